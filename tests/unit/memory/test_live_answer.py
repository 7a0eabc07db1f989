"""An Ask answer given as it is written (shared.memory.services.ask.LiveAnswer): what is given is
always a beginning of the whole answer, whatever follows, each link in it checked against the
answer's sources once whole, and the words after a link follow it at once
(shared.memory.domain.answer_links.settled_prefix)."""

import pytest

from shared.memory.domain.answer_links import REMOVED, only_source_links, settled_prefix
from shared.memory.services.ask import ANSWER_CHARS, LiveAnswer, answer_question
from tests.support.memory.ask_index import PRICING, indexed
from tests.support.platform.platform_fakes import FakeModel

OWN = "https://www.notion.so/Plan-0123456789abcdef0123456789abcdef"
ANSWERS = [
    "  Three tiers: Starter, Team and Enterprise [1]. See [the plan](" + OWN + ") for more.  ",
    "Sign in at https://evil.example/login or www.evil.io, pricing-login.com and javascript:alert(1).",
    "Images ![x](https://evil.io/p.png) and [Plan](https://evil.io/p); notes.md, plan.py stay.",
    "A [bracket that never closes\nand a second line] then (words) " + OWN + ". Done",
    "word " * 300,  # longer than an answer is kept
]


@pytest.mark.parametrize("answer", ANSWERS)
def test_every_settled_prefix_begins_the_whole_answer_and_holds_no_unchecked_link(answer: str) -> None:
    for sources in ([], [OWN]):
        whole = only_source_links(answer.strip()[:ANSWER_CHARS], sources)
        for end in range(len(answer) + 1):
            given = settled_prefix(answer[:end], ANSWER_CHARS, sources)
            assert whole.startswith(given), (end, given)
            assert only_source_links(given, sources) == given  # nothing a link-check would change
        assert settled_prefix(answer, ANSWER_CHARS, sources)  # it grows as the answer does


def test_the_words_after_a_link_follow_it_before_the_answer_is_whole() -> None:
    answer = f"See [the plan]({OWN}) for the tiers, or https://evil.example/login, decided last week"
    given = settled_prefix(answer, ANSWER_CHARS, [OWN])
    assert given == f"See [the plan]({OWN}) for the tiers, or {REMOVED}, decided last"
    held = settled_prefix(answer[: answer.index("(") + 10], ANSWER_CHARS, [OWN])
    assert held == "See"  # a Markdown link still being written is held, and only it


def test_an_answers_text_is_given_as_written_never_a_link_and_begins_its_whole() -> None:
    said = (
        "The pricing plan has three tiers: Starter, Team and Enterprise, decided last week. Sign in "
        "at https://evil.example/login to see it."
    )
    model = FakeModel(script={"AskOut": [{"answer": said, "cited": [1]}]})
    deps, _ = indexed(model, ("Pricing", PRICING))
    given: list[str] = []
    seen: list[str] = []

    def on_text(piece: str) -> None:
        given.append(piece)
        seen.append("".join(given))

    got = answer_question(deps, "t1", "What did we decide about pricing?", [], on_text=on_text)
    assert len(given) > 3  # in pieces as the reply's JSON came (the offline model's 16 characters)
    assert all(got.text.startswith(s) for s in seen)
    assert "evil" not in "".join(given) and REMOVED in got.text  # taken out, as it was written
    assert "".join(given).endswith(f"decided last week. Sign in at {REMOVED} to see")


def test_a_reply_not_json_gives_nothing() -> None:
    given: list[str] = []
    live = LiveAnswer(given.append, [OWN])
    for piece in ("no json ", "at all {", '"answer": "x y'):
        live(piece)
    assert given == []
