"""Mail the site sends: recorded as deliveries, sent by a background task (django-tasks)."""
