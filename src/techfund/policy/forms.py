from django import forms
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 1024 * 1024


class LoadForm(forms.Form):
    """Upload of a policy file (the office edits the downloaded file of a version and loads it back)."""

    file = forms.FileField(label=_("配置文件（YAML）"))
    year = forms.IntegerField(
        label=_("载入到年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("留空则按文件中的年度。"),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件不能超过1MB。"))
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("文件不是 UTF-8 编码。")) from exc
