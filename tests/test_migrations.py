from django.core.management import call_command


def test_models_and_migrations_agree(db):
    # exits with status 1 when a model change has no migration
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
