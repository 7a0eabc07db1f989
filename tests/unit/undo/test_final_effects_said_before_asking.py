"""What cannot be taken back is said on the approval card before the run asks."""

from shared.engine.agent.approvals import effect_request


def test_an_approval_of_an_effect_that_cannot_be_taken_back_says_so_and_why() -> None:
    prompt = effect_request("comment_on_task", {"task_id": "T-1", "body": "Done"}, "say it")
    assert "It cannot be taken back: Motion's API cannot delete a comment." in prompt


def test_an_approval_of_an_undoable_effect_does_not() -> None:
    prompt = effect_request(
        "update_properties", {"page_id": "p", "properties": {"Status": {"status": {"name": "Done"}}}}, ""
    )
    assert "cannot be taken back" not in prompt
