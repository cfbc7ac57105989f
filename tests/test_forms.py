import pytest
from werkzeug.datastructures import MultiDict

from inyett.forms import ON_ONE_DATE
from inyett.forms import PaymentProposalForm


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-02-30", "Datumet 2026-02-30 finns inte i kalendern."),
        ("11/25/2026", "Datumet ska skrivas ÅÅÅÅ-MM-DD, t.ex. 2026-03-05."),
        ("", "Ange betaldatum som ÅÅÅÅ-MM-DD."),
    ],
)
def test_betaldatum_is_typed_like_every_other_date(app, typed, message):
    with app.test_request_context(method="POST"):
        form = PaymentProposalForm(
            MultiDict({"payment_date": typed, "when": ON_ONE_DATE}), meta={"csrf": False}
        )
        form.validate()
        assert form.payment_date.errors == [message]
        # A text box, not a date picker that would write the browser's locale (11/25/2026).
        assert 'type="text"' in form.payment_date()


def test_betaldatum_reads_a_real_date(app):
    with app.test_request_context(method="POST"):
        form = PaymentProposalForm(MultiDict({"payment_date": "2026-11-25"}), meta={"csrf": False})
        form.validate()
        assert form.payment_date.data.isoformat() == "2026-11-25"
        assert form.payment_date.errors == []
