import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.paging import CursorCodec

codec = CursorCodec(b"k" * 32)
KEY = {"pk": {"S": "dict#region#root"}, "sk": {"S": "130000"}}


def test_round_trip():
    cursor = codec.encode("scope-a", KEY)
    assert codec.decode("scope-a", cursor) == KEY


def test_no_key_means_no_cursor_and_no_cursor_means_start():
    assert codec.encode("s", None) is None and codec.encode("s", {}) is None
    assert codec.decode("s", None) is None and codec.decode("s", "") is None


@pytest.mark.parametrize("mutate", [
    lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),        # MAC edited
    lambda c: ("A" if c[0] != "A" else "B") + c[1:],           # payload edited
    lambda c: c.replace(".", ""),                              # no separator
    lambda c: c + ".x",                                        # two separators
    lambda c: "%%%." + c.split(".")[1],                        # not base64
    lambda c: "x" * 3000,                                      # too long
])
def test_tampering_is_refused(mutate):
    cursor = codec.encode("scope-a", KEY)
    with pytest.raises(ValidationFailed) as caught:
        codec.decode("scope-a", mutate(cursor))
    assert caught.value.code == "invalid_cursor"
    assert caught.value.details[0].field == "cursor"


def test_cursor_is_bound_to_its_list_and_key():
    cursor = codec.encode("scope-a", KEY)
    with pytest.raises(ValidationFailed):
        codec.decode("scope-b", cursor)
    with pytest.raises(ValidationFailed):
        CursorCodec(b"other-key").decode("scope-a", cursor)


def test_a_signed_non_object_payload_is_refused():
    import base64
    import hmac as _h
    import hashlib

    payload = b"[1,2]"
    mac = _h.new(b"k" * 32, b"s\x00" + payload, hashlib.sha256).digest()[:16]
    enc = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    with pytest.raises(ValidationFailed):
        codec.decode("s", f"{enc(payload)}.{enc(mac)}")
