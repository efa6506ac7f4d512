"""German by default, English on request — and the browser's language does not decide."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_german_even_for_an_english_browser(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "de"
    assert "Anmelden" in response.content.decode()


def test_english_after_switching_the_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
