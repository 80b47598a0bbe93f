from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed files after collectstatic; plain names where no manifest exists yet
    (embedded set-up and tests serve straight from the finders)."""

    manifest_strict = False
