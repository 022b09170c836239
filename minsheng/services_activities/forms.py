"""Forms of the roster and activity pages (types and ranges; the rules live in services.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ActivityKind


class CriteriaForm(forms.Form):
    community = forms.ChoiceField(label=_("社区"))
    on = forms.DateField(label=_("按哪一天计算年龄"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    min_age = forms.IntegerField(label=_("年龄不小于"), required=False, min_value=0, max_value=130)
    max_age = forms.IntegerField(label=_("年龄不大于"), required=False, min_value=0, max_value=130)
    grid = forms.ChoiceField(label=_("网格"), required=False)
    living_alone = forms.BooleanField(label=_("独居"), required=False)
    flood_prone = forms.BooleanField(label=_("只看易涝网格"), required=False)
    disabled = forms.BooleanField(label=_("残疾"), required=False)
    low_income = forms.BooleanField(label=_("低保"), required=False)
    include_phone = forms.BooleanField(label=_("导出时包含联系电话（仅社区工作人员）"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("花名册 Excel 文件（.xlsx）"))
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)


class ActivityForm(forms.Form):
    community = forms.ChoiceField(label=_("社区"))
    kind = forms.ChoiceField(label=_("类型"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("名称"), max_length=120)
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("开始时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.ChoiceField(label=_("地点"), required=False)
    place_text = forms.CharField(label=_("地点说明"), required=False, max_length=120)
    organiser = forms.CharField(label=_("主办/协办"), required=False, max_length=120)
    description = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea, max_length=2000)
    target_text = forms.CharField(label=_("服务对象（公开文字，不写姓名）"), required=False, max_length=120)
    min_age = forms.IntegerField(label=_("服务对象：年龄不小于"), required=False, min_value=0, max_value=130)
    max_age = forms.IntegerField(label=_("服务对象：年龄不大于"), required=False, min_value=0, max_value=130)
    living_alone = forms.BooleanField(label=_("服务对象：独居"), required=False)
    flood_prone = forms.BooleanField(label=_("服务对象：易涝网格"), required=False)
    disabled = forms.BooleanField(label=_("服务对象：残疾"), required=False)
    low_income = forms.BooleanField(label=_("服务对象：低保"), required=False)
    capacity = forms.IntegerField(label=_("名额"), required=False, min_value=1, max_value=100000)
    signup_open = forms.BooleanField(label=_("开放居民报名"), required=False)

    def criteria(self) -> dict:
        d = self.cleaned_data
        return {k: d[k] for k in ("min_age", "max_age", "living_alone", "flood_prone", "disabled", "low_income")
                if d.get(k) not in (None, False)}


class ActivityUpdateForm(forms.Form):
    extra_headcount = forms.IntegerField(label=_("花名册以外的参与人数"), min_value=0, max_value=100000)
    signup_open = forms.BooleanField(label=_("开放居民报名"), required=False)
