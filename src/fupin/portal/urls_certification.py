"""Certification pages (names join the `portal:` namespace). The catalogue, product pages, certificates,
verification and notices are public; everything else needs sign-in (and the services check role and scope)."""

from django.urls import path
from django.views.generic import RedirectView

from .views.certification import public, review, supplier

urlpatterns = [
    # public
    path("certification/", RedirectView.as_view(pattern_name="portal:cert_catalogue"), name="cert_home"),
    path("certification/catalogue/", public.catalogue, name="cert_catalogue"),
    path("certification/catalogue/<str:code>/", public.product_page, name="cert_product_public"),
    path("certification/catalogue/<str:code>/complain/", public.product_complain, name="cert_product_complain"),
    path("certification/batches/", public.batches, name="cert_batches"),
    path("certification/certificates/<str:number>/", public.certificate_page, name="cert_certificate"),
    path("certification/verify/", public.verify_page, name="cert_verify"),
    path("certification/notices/", public.notices, name="cert_notices"),
    path("certification/notices/<str:number>/object/", public.notice_object, name="cert_notice_object"),
    # suppliers
    path("certification/supplier/", supplier.supplier_home, name="cert_supplier"),
    path("certification/supplier/products/new/", supplier.product_new, name="cert_product_new"),
    path("certification/supplier/licences/new/", supplier.licence_new, name="cert_licence_new"),
    path("certification/supplier/apply/", supplier.apply, name="cert_apply"),
    # applications and reviewers
    path("certification/applications/", review.application_list, name="cert_applications"),
    path("certification/applications/<int:pk>/", review.application_detail, name="cert_application"),
    path("certification/applications/<int:pk>/decide/", review.application_decide, name="cert_application_decide"),
    path("certification/applications/<int:pk>/supplier/", review.application_supplier_action,
         name="cert_application_supplier"),
    path("certification/queue/", review.queue, name="cert_queue"),
    path("certification/queue/bulk/", review.queue_bulk, name="cert_queue_bulk"),
    path("certification/objections/", review.objections, name="cert_objections"),
    path("certification/objections/<int:pk>/decide/", review.objection_decide, name="cert_objection_decide"),
    path("certification/batches/new/", review.batch_new, name="cert_batch_new"),
    path("certification/products/", review.product_list, name="cert_products"),
    path("certification/products/<int:pk>/", review.product_detail, name="cert_product"),
    path("certification/products/<int:pk>/action/", review.product_action, name="cert_product_action"),
    path("certification/spot-checks/", review.spot_check_list, name="cert_spot_checks"),
    path("certification/spot-checks/draw/", review.spot_check_draw, name="cert_spot_draw"),
    path("certification/spot-checks/<int:pk>/", review.spot_check_round, name="cert_spot_round"),
    path("certification/spot-checks/checks/<int:pk>/result/", review.spot_check_result, name="cert_spot_result"),
    path("certification/linkage-shortfalls/", review.shortfalls, name="cert_shortfalls"),
]
