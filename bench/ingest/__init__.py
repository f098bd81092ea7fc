"""The pieces of `bench/ingest.py`: the events it sends (`events`), the per-event Celery
task of its baseline (`baseline_tasks`), what runs with Django set up (`django_helpers`), the
Celery phases E and F (`celery_phases`) and its report (`report`)."""
