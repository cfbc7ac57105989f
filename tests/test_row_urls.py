from flask import url_for

from inyett.row_urls import payment_url

ROW_ACTIONS = ("attest.attest", "attest.row", "attest.confirm_undo", "attest.resend")
ROW_ACTIONS += ("payments.row", "payments.confirm_undo", "payments.resend")


def test_a_row_action_has_the_address_url_for_gives_it(app):
    # Also under a prefix, as behind a proxy that serves the app at /inyett.
    for root in ("", "/inyett"):
        with app.test_request_context("/attest", environ_overrides={"SCRIPT_NAME": root}):
            for endpoint in ROW_ACTIONS:
                for payment_id in (1, 42, 2_147_483_647):
                    expected = url_for(endpoint, payment_id=payment_id)
                    assert payment_url(endpoint, payment_id) == expected
