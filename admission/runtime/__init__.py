"""Running the service: WSGI server, migrations, backups."""
