"""The portal's Celery application. Without CELERY_BROKER_URL, settings make every task run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itvsh_portal.settings")

app = Celery("itvsh_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The request id travels with each task into the worker's logs; the worker counts its tasks for /metrics.
from itvsh_portal import metrics, observability  # noqa: E402

observability.connect_celery_signals()
metrics.connect_celery_signals()
