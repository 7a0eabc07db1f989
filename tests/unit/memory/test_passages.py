"""Passages along headings, sized and hashed; BM25 and reciprocal rank fusion."""

from shared.memory.domain.passages import MAX_CHARS, MAX_WORD, MIN_CHARS, split, stem, words
from shared.memory.domain.retrieval import KEYWORD_WEIGHT, bm25, fuse


def test_passages_follow_headings_with_their_path() -> None:
    markdown = "# Plan\n\n" + "Intro words here. " * 15 + "\n\n## Pricing\n\n" + "Tiers and prices. " * 15
    passages = split("m", "Plan", markdown)
    assert [p.heading for p in passages] == ["Plan", "Plan > Pricing"]
    assert passages[1].embedded_text.startswith("Plan > Pricing Tiers")


def test_a_short_section_joins_the_next_and_a_long_one_is_cut_at_paragraphs() -> None:
    short = split("m", "T", "## A\n\nTiny.\n\n## B\n\n" + "b " * 150)
    assert len(short) == 1 and "Tiny." in short[0].text and "\n\nB\n\n" in short[0].text
    long = split("m", "T", "\n\n".join("word " * 60 for _ in range(20)))
    assert len(long) > 1 and all(len(p.text) <= MAX_CHARS for p in long)
    assert all(len(p.text) >= MIN_CHARS for p in long)


def test_the_hash_changes_with_text_heading_and_model_only() -> None:
    base = split("m", "T", "# S\n\nsome text that stays")[0]
    assert split("m", "T", "# S\n\nsome text that stays")[0].digest == base.digest
    assert split("m", "T", "# S\n\nsome text that moved")[0].digest != base.digest
    assert split("m", "T", "# R\n\nsome text that stays")[0].digest != base.digest
    assert split("other", "T", "# S\n\nsome text that stays")[0].digest != base.digest


def test_what_is_embedded_reads_as_plain_text() -> None:
    [passage] = split("m", "T", "# S\n\nlru\\_cache and \\*args\n\nnext   line")
    assert passage.embedded_text == "T > S lru_cache and *args next line"


def test_a_heading_inside_code_is_text() -> None:
    [passage] = split("m", "T", "```\n# not a heading\n```\n")
    assert passage.heading == "T" and "# not a heading" in passage.text


def test_words_are_lower_case_stemmed_without_stopwords() -> None:
    assert words("What did we DECIDE about the prices?") == ["decid", "about", "pric"]
    assert stem("decided") == stem("decide") == stem("deciding") == "decid"
    assert stem("classes") == stem("class") == "class" and stem("policies") == "policy"


def test_a_blob_is_no_word_so_no_query_term_is_too_large_for_firestore() -> None:
    """A 2,000-letter question was a 500: Firestore refuses a term over 1,500 bytes in a query."""
    assert words("ask " + "ü" * 2000 + " pricing") == ["ask", "pric"]
    assert words("x" * MAX_WORD) == ["x" * MAX_WORD]


def test_bm25_prefers_rare_words_and_short_documents() -> None:
    docs = {"a": ["price", "tier"], "b": ["price", "team", "team", "team"], "c": ["tier"]}
    ranked = bm25(["price", "team"], docs, total=10, average_length=3)
    assert [doc for doc, _ in ranked] == ["b", "a"]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = fuse([["x", "y", "z"], ["y", "w"]], k=60)
    assert [item for item, _ in fused][:2] == ["y", "x"]
    assert fused[0][1] == 1 / 62 + 1 / 61
    weighted = fuse([["x", "y"], ["y", "x"]], [1.0, 0.5], k=10)
    assert weighted == [("x", 1 / 11 + 0.5 / 12), ("y", 1 / 12 + 0.5 / 11)]


def test_a_passage_only_bm25_finds_first_is_among_the_first_three() -> None:
    vector = ["v1", "v2", "v3", "v4", "v5"]
    fused = [item for item, _ in fuse([vector, ["needle", "v9"]], [1.0, KEYWORD_WEIGHT])]
    assert fused.index("needle") < 3
