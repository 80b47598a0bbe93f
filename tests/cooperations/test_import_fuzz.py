"""Source documents of agreements are PDFs of at most COOPERATIONS_SOURCE_MAX_BYTES: files that only pretend to be
PDFs (HTML, ZIP, empty, renamed text) and files over the limit are refused with a German field message by the
service (API, loader) and by the admin's form, and nothing is stored."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.authorization import system_actor
from cooperations import services
from cooperations.models import Source

from .factories import AgreementFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_PDF = {
    "html": b"<!doctype html><html><body><script>alert(1)</script></body></html>",
    "zip": b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(64),
    "empty": b"",
    "text": "Vereinbarung über die Zusammenarbeit".encode(),
    "pdf_later": b"\n\n%PDF-1.7\n",  # the magic bytes must come first
    "utf16_pdf_text": "%PDF-1.7".encode("utf-16"),
}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()]


@pytest.mark.parametrize("kind", list(NOT_PDF))
def test_service_refuses_a_file_that_is_not_a_pdf(kind, _private_media):
    agreement = AgreementFactory()
    with pytest.raises(ValidationError) as raised:
        services.source_create(
            agreement=agreement,
            title="Vertrag",
            publisher="Amt",
            file=SimpleUploadedFile(f"vertrag-{kind}.pdf", NOT_PDF[kind]),
            by=system_actor(),
        )
    assert raised.value.message_dict == {"file": ["Nur PDF-Dateien sind erlaubt."]}
    assert not Source.objects.exists()
    assert _stored_files(_private_media) == []


def test_service_refuses_a_pdf_over_the_limit(settings, _private_media):
    settings.COOPERATIONS_SOURCE_MAX_BYTES = 2 * 1024 * 1024
    agreement = AgreementFactory()
    big = PDF + b"0" * (2 * 1024 * 1024)
    with pytest.raises(ValidationError) as raised:
        services.source_create(
            agreement=agreement,
            title="Vertrag",
            publisher="Amt",
            file=SimpleUploadedFile("gross.pdf", big),
            by=system_actor(),
        )
    assert raised.value.message_dict == {"file": ["Die Datei ist zu groß (höchstens 2 MB)."]}
    assert not Source.objects.exists()
    assert _stored_files(_private_media) == []


def test_service_stores_a_real_pdf(_private_media):
    agreement = AgreementFactory()
    source = services.source_create(
        agreement=agreement,
        title="Vertrag",
        publisher="Amt",
        file=SimpleUploadedFile("vertrag.pdf", PDF),
        by=system_actor(),
    )
    assert Source.objects.get() == source
    assert [path.read_bytes() for path in _stored_files(_private_media)] == [PDF]


SourceForm = forms.modelform_factory(Source, fields=["agreement", "kind", "title", "publisher", "file"])


@pytest.mark.parametrize("kind", ["html", "zip", "text"])
def test_admin_form_shows_a_field_error_for_a_disguised_file(kind):
    """The admin's inline is a ModelForm of Source: the model field's validator gives the form error."""
    agreement = AgreementFactory()
    form = SourceForm(
        data={"agreement": agreement.pk, "kind": "sonstige", "title": "Vertrag", "publisher": "Amt"},
        files={"file": SimpleUploadedFile(f"vertrag-{kind}.pdf", NOT_PDF[kind], content_type="application/pdf")},
    )
    assert not form.is_valid()
    assert form.errors["file"] == ["Nur PDF-Dateien sind erlaubt."]
    assert not Source.objects.exists()
