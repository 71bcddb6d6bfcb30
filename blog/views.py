from django.views.generic import DetailView, ListView

from .models import Digest


class DigestListView(ListView):
    def get_queryset(self):
        return Digest.objects.published().for_listing()


class DigestDetailView(DetailView):
    def get_queryset(self):
        return Digest.objects.published()


class DigestPreviewView(DetailView):
    def get_queryset(self):
        return Digest.objects.all()
