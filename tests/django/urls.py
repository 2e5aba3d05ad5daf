"""URLs of the test project."""

from django.urls import path

from tests.django import views

urlpatterns = [
    path("api/items/", views.items),
    path("api/async/", views.async_items),
    path("api/boom/", views.boom),
    path("api/denied/", views.denied),
    path("api/varies/", views.varies),
    path("api/own-cors/", views.own_cors),
    path("api/cbv/", views.ItemView.as_view()),
    path("api/exempt/", views.exempt),
    path("partner/report/", views.partner_report),
    path("partner/async/", views.partner_async),
    path("public/", views.PublicView.as_view()),
    path("other/", views.other),
]
