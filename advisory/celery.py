"""The Celery application.

Without ``CELERY_BROKER_URL`` tasks run eagerly in the web process (``make demo``);
with it, they go to the broker (Redis or RabbitMQ) for ``celery worker``.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisory.settings")

app = Celery("advisory")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, and those of the subpackages that have their own.
app.autodiscover_tasks()
app.autodiscover_tasks(["policies.proposals"])
