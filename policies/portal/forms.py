"""The client's email choices."""

from __future__ import annotations

from django import forms

from portfolios.models import NotificationPreference


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ("email_new_documents", "email_awaiting")
        labels = {
            "email_new_documents": "A new document is in my portal",
            "email_awaiting": "Something waits for me to acknowledge it",
        }
        help_texts = {
            "email_new_documents": "A new review report, or changes your advisor approved.",
            "email_awaiting": "A new version of my investment plan, or a completed review.",
        }
