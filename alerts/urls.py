"""The alerts' pages (the API is under ``alerts.api.urls``)."""

from django.urls import path

from . import views

app_name = "alerts"
urlpatterns = [path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge")]
