"""Pages for people: the home page shows a signed-in person where they are."""

from __future__ import annotations

from tests.journal_factory import add_entry, user_id


def test_signed_out_home_shows_no_progress(client):
    page = client.get("/").get_data(as_text=True)
    assert "questions answered" not in page
    assert "Continue with" not in page


def test_home_shows_progress_and_where_to_continue(app, client, auth):
    auth.register()
    me = user_id(app, "alice")
    for prompt in ("prompt-1", "prompt-2", "prompt-3"):
        add_entry(app, me, stage="identify-the-root", prompt=prompt)
    add_entry(app, me, stage="understand-the-impact", prompt="prompt-2")
    add_entry(app, me, stage="understand-the-impact", prompt="prompt-2")  # same question twice
    page = client.get("/").get_data(as_text=True)
    assert "3 of 3 questions answered: complete" in page
    assert "1 of 3 questions answered" in page
    assert page.count("0 of 3 questions answered") == 5
    assert 'href="/stages/understand-the-impact">Continue with' in page


def test_home_says_when_everything_is_answered(app, client, auth):
    auth.register()
    me = user_id(app, "alice")
    for stage in app.extensions["voiceguide.program"].stages:
        for part in stage.prompts:
            add_entry(app, me, stage=stage.id, prompt=part.id)
    page = client.get("/").get_data(as_text=True)
    assert "Continue with" not in page
    assert "answered every question of the program" in page


def test_another_persons_answers_do_not_count(app, client, auth):
    auth.register("bob")
    add_entry(app, user_id(app, "bob"), stage="identify-the-root", prompt="prompt-1")
    auth.logout()
    auth.register("alice")
    page = client.get("/").get_data(as_text=True)
    assert page.count("0 of 3 questions answered") == 7
