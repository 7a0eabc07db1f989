"""Firestore's daily backup schedule: it exists, backs up the project's database
every day, and keeps each backup as long as ``firestore_backup_retention_days`` says, a variable
bounded by what Firestore accepts (at most 14 weeks)."""

import re

from tools.infra_drift import Terraform

_SECONDS_OF_DAYS = re.compile(r"^\$\{var\.(\w+) \* 86400\}s$")


def backup_problems(tf: Terraform) -> list[str]:
    """What is wrong with the backup schedule of ``tf`` (none: it is as docs/deploy.md says)."""
    schedules = tf.resources.get("google_firestore_backup_schedule", {})
    if not schedules:
        return ["no google_firestore_backup_schedule: nothing backs Firestore up beyond PITR's 7 days"]
    problems = []
    for name, body in schedules.items():
        if body.get("database") != "${google_firestore_database.main.name}":
            problems.append(f"{name}: backs up {body.get('database')!r}, not the project's database")
        if "daily_recurrence" not in body or "weekly_recurrence" in body:
            problems.append(f"{name}: not a daily schedule")
        retention = _SECONDS_OF_DAYS.match(str(body.get("retention", "")))
        if retention is None:
            problems.append(
                f"{name}: retention {body.get('retention')!r} is not a variable's days in seconds"
            )
        elif retention.group(1) not in tf.variables:
            problems.append(f"{name}: retention names no variable ({retention.group(1)})")
    return problems


def test_the_database_is_backed_up_daily_for_a_variable_retention(tf: Terraform) -> None:
    assert backup_problems(tf) == []
    variable = tf.variables["firestore_backup_retention_days"]
    assert variable["type"] == "number" and 1 <= variable["default"] <= 98
    condition = variable["validation"][0]["condition"]
    assert ">= 1" in condition and "<= 98" in condition  # Firestore refuses a longer retention


def test_a_missing_schedule_or_a_fixed_retention_is_a_problem(tf: Terraform) -> None:
    schedule = tf.resources["google_firestore_backup_schedule"]["daily"]
    without = tf.resources | {"google_firestore_backup_schedule": {}}
    assert backup_problems(Terraform(without, tf.locals, tf.variables, tf.outputs)) == [
        "no google_firestore_backup_schedule: nothing backs Firestore up beyond PITR's 7 days"
    ]
    fixed = tf.resources | {
        "google_firestore_backup_schedule": {"daily": schedule | {"retention": "604800s"}}
    }
    assert backup_problems(Terraform(fixed, tf.locals, tf.variables, tf.outputs)) == [
        "daily: retention '604800s' is not a variable's days in seconds"
    ]
    weekly = schedule | {"weekly_recurrence": [{"day": "MONDAY"}]}
    changed = tf.resources | {"google_firestore_backup_schedule": {"daily": weekly}}
    assert backup_problems(Terraform(changed, tf.locals, tf.variables, tf.outputs)) == [
        "daily: not a daily schedule"
    ]
