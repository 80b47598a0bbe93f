from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed files after collectstatic; plain names where no manifest entry exists (the embedded
    set-up and the tests serve straight from the finders, without collectstatic)."""

    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:
            # Not collected: the hashed name cannot be computed, the finders serve the plain one.
            return name
