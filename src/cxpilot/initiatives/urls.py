from django.urls import URLPattern

app_name = "initiatives"
urlpatterns: list[URLPattern] = []
