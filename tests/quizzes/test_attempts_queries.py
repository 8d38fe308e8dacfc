"""Attempt pages run a fixed number of queries: not more with more answers, nor with more
questions."""

import pytest

from app.extensions import db
from tests.quizzes import attempts_helpers as h

MAX_ATTEMPT_PAGE_QUERIES = 8


def numbered(count):
    return "\n\n".join(
        f"::U{n} Soal {n}::Pertanyaan {n}?{{=Benar {n}~Salah {n}~Ragu {n}}}"
        for n in range(1, count + 1))


def answer_fields(attempt_id, how_many):
    slots = h.slots(attempt_id)[:how_many]
    return {f"s{slot.id}": h.key_of(slot, f"Benar {slot.snapshot['name'].split()[-1]}")
            for slot in slots}


def measure(queries, request):
    db.session.expire_all()
    with queries() as count:
        response = request()
    assert response.status_code in (200, 302), response.status_code
    return count()


@pytest.fixture
def nine(app, courses, tmp_path):
    return h.add_quiz(tmp_path, "sembilan", numbered(9), shuffle_answers="true")


def test_attempt_page_and_submit_cost_the_same_with_one_or_all_answers(app, create_user, nine,
                                                                       queries):
    takers = []
    for how_many in (1, 9):
        _user, client = h.learner(app, create_user)
        attempt_id = h.start(client, nine)
        url = f"/percobaan/{attempt_id}"
        client.post(url, data=h.form_payload(h.page(client, url), aksi="simpan",
                                             **answer_fields(attempt_id, how_many)))
        assert sum(r is not None for r in h.responses(attempt_id).values()) == how_many
        takers.append((client, url))

    page_costs = [measure(queries, lambda c=c, u=u: c.get(u)) for c, u in takers]
    assert page_costs[0] == page_costs[1], f"attempt page: {page_costs} queries (1 vs 9 answers)"
    assert page_costs[0] <= MAX_ATTEMPT_PAGE_QUERIES

    forms = [h.form_payload(h.page(c, u)) for c, u in takers]
    save_costs = [measure(queries, lambda c=c, u=u, f=f: c.post(f"{u}/autosimpan", data=f))
                  for (c, u), f in zip(takers, forms, strict=True)]
    assert save_costs[0] == save_costs[1], f"autosave: {save_costs} queries"

    submit_costs = [measure(queries, lambda c=c, u=u, f=f: c.post(u, data=dict(f, aksi="kirim")))
                    for (c, u), f in zip(takers, forms, strict=True)]
    assert submit_costs[0] == submit_costs[1], f"submit: {submit_costs} queries (1 vs 9 answers)"
    scores = [h.attempt(int(u.rsplit("/", 1)[1])).score for _c, u in takers]
    assert scores == [pytest.approx(100 / 9, abs=0.01), 100.0]  # both really graded

    result_costs = [measure(queries, lambda c=c, u=u: c.get(f"{u}/hasil")) for c, u in takers]
    assert result_costs[0] == result_costs[1], f"result page: {result_costs} queries"


def test_attempt_page_cost_does_not_grow_with_the_quiz(app, courses, create_user, tmp_path,
                                                       queries):
    small = h.add_quiz(tmp_path, "tiga", numbered(3))
    large = h.add_quiz(tmp_path, "sembilan", numbered(9))
    _user, client = h.learner(app, create_user)
    costs = {}
    for quiz in (small, large):
        attempt_id = h.start(client, quiz)
        url = f"/percobaan/{attempt_id}"
        client.post(url, data=h.form_payload(h.page(client, url), aksi="simpan",
                                             **answer_fields(attempt_id, 9)))
        costs[quiz.slug] = {"page": measure(queries, lambda u=url: client.get(u))}
        form = h.form_payload(h.page(client, url), aksi="kirim")
        costs[quiz.slug]["submit"] = measure(queries, lambda u=url, f=form: client.post(u, data=f))
        costs[quiz.slug]["result"] = measure(queries, lambda u=url: client.get(f"{u}/hasil"))
        assert h.attempt(attempt_id).score == 100.0
    assert costs["tiga"] == costs["sembilan"], costs
    assert costs["tiga"]["page"] <= MAX_ATTEMPT_PAGE_QUERIES
