"""Web forms of this stage. They check shape only; the services check everything else, and
``apply_service_error`` puts their refusals beside the fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from techfund.awards.enums import DiligenceConclusion
from techfund.core.forms import ServiceForm


class DiligenceForm(ServiceForm):
    application = forms.ChoiceField(label=_("决赛项目"))
    conducted_on = forms.DateField(label=_("调查日期"), widget=forms.DateInput(attrs={"type": "date"}))
    investigators = forms.CharField(label=_("调查人员"), max_length=200, required=False)
    findings = forms.CharField(label=_("调查情况"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    conclusion = forms.ChoiceField(
        label=_("结论"), choices=DiligenceConclusion.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, finalists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [
            (ln.application.pk, f"{ln.placing.rank}. {ln.application.number} {ln.application.title}")
            for ln in finalists
        ]


class ApplyForm(ServiceForm):
    batch = forms.ChoiceField(label=_("列入的立项建议批次（拟定中）"))

    def __init__(self, *args, batches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [(b.pk, b.title) for b in batches]


class VerifyForm(ServiceForm):
    evidence = forms.CharField(
        label=_("成果与验收证明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明核验的成果（验收结论、专项审计报告、发票清单等）。"),
    )
    eligible_spending = forms.CharField(
        label=_("核定合规支出（元）"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
