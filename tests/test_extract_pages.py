"""Which pages are read as Celery docs: a contributor guide's "Release tasks" list is not a
list of Celery tasks (a false alarm found when checking every page of docs/**)."""

from __future__ import annotations

import pytest

from conformance.extract import extract_text

CONTRIBUTING = """# Contributing

## Development tasks

- `tox`: run the tests
- `make_docs` builds the documentation

## Release tasks

1. `bump_version` updates the version.

| Task | Who |
| --- | --- |
| `triage` | maintainers |

```python
@app.task(name="tasks.documented_in_code")
def documented_in_code():
    pass
```
"""


def names(text: str, path: str = "docs/contributing.md") -> set[str]:
    """What the page claims (mentions in passing are not claims)."""
    spec = extract_text(text, path).spec
    return {
        item.name
        for section, item in spec.items()
        if section != "mentions" and hasattr(item, "name")
    }


def test_a_page_that_never_talks_about_celery_gives_only_its_code_blocks() -> None:
    # Prose, lists and the Task/Who table are left alone; the code block is explicit.
    assert names(CONTRIBUTING) == {"tasks.documented_in_code"}


def test_its_names_in_passing_are_still_mentions() -> None:
    # ...yet a name it uses makes the item documented if the code has one.
    mentions = {m.name for m in extract_text(CONTRIBUTING, "docs/contributing.md").spec.mentions}
    assert mentions == {"tox", "make_docs", "bump_version", "triage"}


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        # the same lists on a page that mentions Celery are read
        (
            CONTRIBUTING.replace("# Contributing", "# Celery tasks"),
            "docs/x.md",
            {"make_docs", "bump_version", "triage", "tasks.documented_in_code"},
        ),
        # ...or mentions workers, queues or beat
        (
            "# Jobs\n\nThe worker runs these.\n\n## Tasks\n\n- `tasks.send` mails\n",
            "docs/x.md",
            {"tasks.send"},
        ),
        # ...or whose path says it is about tasks
        (
            "# Jobs\n\n## Tasks\n\n- `tasks.send` mails\n",
            "docs/background-tasks.md",
            {"tasks.send"},
        ),
        # a table with a column only Celery tables have is read on any page
        (
            "# Ops\n\n| Task | Queue |\n| --- | --- |\n| `tasks.x` | `q` |\n",
            "docs/ops.md",
            {"tasks.x", "q"},
        ),
        # a settings table counts only rows that name real Celery settings
        (
            "# Ops\n\n| Setting | Value |\n| --- | --- |\n| `task_time_limit` | 60 |\n"
            "| `SECRET_KEY` | x |\n",
            "docs/ops.md",
            {"task_time_limit"},
        ),
    ],
)
def test_pages_about_celery_are_read_in_full(text: str, path: str, expected: set[str]) -> None:
    assert names(text, path) == expected
