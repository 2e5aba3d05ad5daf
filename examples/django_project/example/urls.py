"""URLs: the API, a partner feed with its own CORS policy, and a webhook without CORS."""

from api import views
from django.urls import path

urlpatterns = [
    path("api/items/", views.items),
    path("api/feed/", views.feed),
    path("hooks/payment/", views.payment_webhook),
]
