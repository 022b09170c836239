"""Forms of the facility pages (types and ranges only; the rules are in services.py)."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Condition, Frequency, Kind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class FacilityForm(forms.Form):
    community = forms.ChoiceField(label=_("社区"))
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Kind.choices)
    place = forms.ChoiceField(label=_("地点"), required=False)
    parent = forms.ChoiceField(label=_("所属设施（部件才填）"), required=False)
    quantity = forms.DecimalField(label=_("数量"), min_value=0, max_digits=10, decimal_places=2, initial=1)
    unit = forms.CharField(label=_("单位"), max_length=12, required=False, help_text=_("留空按类型取默认单位"))
    condition = forms.ChoiceField(label=_("状况"), choices=Condition.choices, initial=Condition.GOOD)
    description = forms.CharField(label=_("说明"), widget=forms.Textarea, required=False, max_length=2000)


class ConditionForm(forms.Form):
    condition = forms.ChoiceField(label=_("状况"), choices=Condition.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class PhotoForm(forms.Form):
    file = forms.FileField(label=_("照片"))
    caption = forms.CharField(label=_("说明"), required=False, max_length=120)


class ReportForm(forms.Form):
    note = forms.CharField(label=_("哪里坏了"), widget=forms.Textarea, max_length=500)
    reporter_name = forms.CharField(label=_("您的称呼（可不填）"), required=False, max_length=60)
    reporter_phone = forms.CharField(label=_("联系电话（可不填，仅工作人员可见）"), required=False, max_length=20)
    photo = forms.FileField(label=_("照片（可不填）"), required=False)


class PlanForm(forms.Form):
    community = forms.ChoiceField(label=_("社区"))
    title = forms.CharField(label=_("名称"), max_length=120)
    facilities = forms.MultipleChoiceField(label=_("设施"), widget=forms.CheckboxSelectMultiple)
    frequency = forms.ChoiceField(label=_("周期"), choices=Frequency.choices)
    weekday = forms.TypedChoiceField(label=_("星期（每周）"), required=False, coerce=int, empty_value=None,
                                     choices=[("", "—")] + [(i, w) for i, w in enumerate(
                                         [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"),
                                          _("周日")])])
    month = forms.IntegerField(label=_("月（每年）"), required=False, min_value=1, max_value=12)
    day = forms.IntegerField(label=_("日（每月/每年）"), required=False, min_value=1, max_value=31)
    due_time = forms.TimeField(label=_("完成时限（当地时间）"), initial=time(18, 0))
    grace_hours = forms.IntegerField(label=_("宽限小时"), min_value=0, max_value=744, initial=12)
    lead_days = forms.IntegerField(label=_("提前生成天数（留空按周期默认）"), required=False, min_value=0, max_value=90)
    assignee = forms.ChoiceField(label=_("负责人"), required=False)
    instructions = forms.CharField(label=_("作业要求"), widget=forms.Textarea, required=False, max_length=2000)


class TaskDoneForm(forms.Form):
    notes = forms.CharField(label=_("完成情况"), widget=forms.Textarea, required=False, max_length=2000)
    condition = forms.ChoiceField(label=_("检查后的状况"), required=False,
                                  choices=[("", _("不变"))] + list(Condition.choices))
    photos = MultipleImageField(label=_("照片（最多 9 张）"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("负责人"))
