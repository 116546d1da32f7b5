"""Enterprises and cooperatives with an outstanding poverty-reduction effect (带贫成效突出的企业和合作社), the third
source of counted products of the seed (国办发〔2018〕129号): a market entity qualifies for a year when the dated
thresholds of `linkage.poverty_reduction_effect` hold over its linkage facts of the calendar year before.

`rules` (pure: the thresholds, their validation, the decision), `models` (`PovertyEffectDecision`, registered in the
linkage app), `services` (computing and storing the decisions, set-based and audited), `selectors` (the decisions
the ledger counts with and the entity page shows). Domain: docs/domain/linkage.md and docs/domain/ledger.md.
"""
