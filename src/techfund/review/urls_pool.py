"""Pages of expert review: pool (included by techfund.review.urls under the "review" namespace)."""

from django.urls import path

from techfund.review import views_pool as v

urlpatterns: list = [
    path("experts/<int:pk>/", v.expert_detail, name="expert_detail"),
    path("experts/<int:pk>/status/", v.expert_status, name="expert_status"),
    path("experts/<int:pk>/availability/", v.availability_add, name="availability_add"),
    path("availability/<int:pk>/remove/", v.availability_remove, name="availability_remove"),
    path("experts/import/", v.expert_import, name="expert_import"),
    path("experts/import/template/", v.expert_import_template, name="expert_import_template"),
    path("experts/accounts/", v.expert_accounts_page, name="expert_accounts"),
    path("experts/<int:pk>/account/", v.expert_link_account, name="expert_link_account"),
    path("me/", v.my_profile, name="my_profile"),
    path("me/relations/", v.my_relation_add, name="my_relation_add"),
    path("me/pledge/", v.my_pledge, name="my_pledge"),
    path("relations/<int:pk>/withdraw/", v.relation_withdraw, name="relation_withdraw"),
    path("applications/<int:pk>/exclusions/", v.exclusions, name="exclusions"),
    path("exclusions/<int:pk>/remove/", v.exclusion_remove, name="exclusion_remove"),
    path("applications/<int:pk>/conflicts/", v.application_conflicts, name="application_conflicts"),
    path("conflicts/", v.conflict_rounds, name="conflict_rounds"),
    path("rounds/<int:pk>/conflicts/", v.round_conflicts, name="round_conflicts"),
    path("rounds/<int:pk>/conflicts/check/", v.round_conflicts_check, name="round_conflicts_check"),
]
