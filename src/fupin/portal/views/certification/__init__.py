"""Certification pages: the public catalogue, certificates, verification and notices (public.py); suppliers'
products, licences and applications (supplier.py); reviewers' queues, decisions, objections, batches, product
lifecycle and spot checks (review.py). Views read the request, call certification selectors and services, render."""
