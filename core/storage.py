"""Static files storage of the embedded set-up."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestOrFindersStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names once ``collectstatic`` ran; before it (``manage.py
    runserver`` without ``DJANGO_DEBUG=1`` on a fresh checkout), a file missing from
    the manifest keeps its plain name, which WhiteNoise serves from the apps' static
    folders (``WHITENOISE_USE_FINDERS``), instead of a 500 "Missing staticfiles
    manifest entry". Production keeps the strict storage."""

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected: no manifest, or not in it
            return name
