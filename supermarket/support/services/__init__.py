"""Support services and referrals: the directory (`directory`) and a member's signposts and
referrals with their outcomes and follow-up (`referrals`); the prompts shown at check-in
(`prompts`); the register of referral agencies (`agencies`) and the households they refer to
a site (`inbound`). Importing this package registers the referrals' and inbound referrals'
part in the member's subject access export and anonymisation, and the agencies a referrer's
account can belong to."""

from __future__ import annotations

from supermarket.support.services import agencies, inbound
from supermarket.support.services.directory import (
    can_edit,
    create_service,
    get_service,
    list_services,
    services_for_site,
    update_service,
)
from supermarket.support.services.prompts import (
    Prompt,
    dismiss_prompt,
    prompts_for,
)
from supermarket.support.services.referrals import (
    NewReferral,
    OutcomeUpdate,
    follow_up_cutoff,
    follow_up_list,
    list_referrals,
    record_referral,
    referrals_of,
    update_outcome,
)
from supermarket.support.services.survey_question import had_support_before

__all__ = [
    "NewReferral",
    "OutcomeUpdate",
    "Prompt",
    "agencies",
    "can_edit",
    "create_service",
    "dismiss_prompt",
    "follow_up_cutoff",
    "follow_up_list",
    "get_service",
    "had_support_before",
    "inbound",
    "list_referrals",
    "list_services",
    "prompts_for",
    "record_referral",
    "referrals_of",
    "services_for_site",
    "update_outcome",
    "update_service",
]
