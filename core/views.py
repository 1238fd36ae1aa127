"""Site-wide views: the page for "not found"."""

from django.http import Http404
from django.shortcuts import render


def not_found(request, exception):
    """The 404 page, saying why when the view said (``Http404("'9999-12' is outside
    the months reports cover ...")``); Django's own page shows no reason at all. The
    URL resolver's "no such path" carries no message to show."""
    message = ""
    if isinstance(exception, Http404) and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    return render(request, "404.html", {"message": message}, status=404)
