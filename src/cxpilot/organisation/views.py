"""Pages of the app shell and the organisation model. Thin: forms check, services write,
selectors read; errors of the one exception tree become 403, 404 or form errors.

Departments, touchpoints, journeys, segments and brand promises share their list, create, edit
and delete pages (``Entity``); what is their own (detail pages, the touchpoint filters, the
journey stages) comes as pages of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.forms import SetPasswordForm
from django.core.mail import send_mail
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cxpilot.kernel import roles
from cxpilot.kernel.web import form_call
from cxpilot.organisation import selectors, services, users
from cxpilot.organisation.forms import (
    BrandPromiseForm,
    DepartmentForm,
    InviteForm,
    JourneyForm,
    SegmentForm,
    StageFormSet,
    TouchpointFilterForm,
    TouchpointForm,
    UserRoleForm,
    stage_specs,
)
from cxpilot.organisation.models import Department, Journey, Touchpoint

StrOrPromise = str | Promise
Page = Callable[..., HttpResponse]

#: The pages of an entity, by the last part of their URL name, and their path below its own.
ROUTES = {
    "list": "",
    "create": "new/",
    "detail": "<int:pk>/",
    "update": "<int:pk>/edit/",
    "delete": "<int:pk>/delete/",
}


def _saved(request: HttpRequest, obj: Any, created: bool) -> None:
    text = gettext("“%(name)s” was created.") if created else gettext("“%(name)s” was saved.")
    messages.success(request, text % {"name": obj})


def _no_consequences(obj: Any) -> str:
    return ""


def _no_initial(request: HttpRequest) -> dict[str, str]:
    return {}


@dataclass(frozen=True, eq=False)
class Entity:
    """One kind of organisation entity and its shared pages.

    ``name`` gives its URL names (``<name>_list``, ``_create``, ``_detail`` when it has a detail
    page, ``_update``, ``_delete``), its URL path (``organisation/<name>s/``, ``_`` as ``-``) and
    its list template (``organisation/<name>_list.html``, which extends ``entity_list.html``).
    The permissions are those of the form's model: ``organisation.<verb>_<model>``.
    """

    name: str
    form: type[forms.ModelForm[Any]]
    select: tuple[Callable[..., Any], Callable[..., Any]]  # its list and get selectors
    titles: tuple[StrOrPromise, StrOrPromise, StrOrPromise]  # the list, new and edit pages
    pages: dict[str, Page] = field(default_factory=dict)  # pages of its own, by ROUTES name
    consequences: Callable[[Any], str] = _no_consequences  # what deleting it does to others
    initial: Callable[[HttpRequest], dict[str, str]] = _no_initial  # of the create form

    @property
    def model(self) -> type[Model]:
        return self.form._meta.model  # type: ignore[no-any-return]

    def perm(self, verb: str) -> str:
        return f"organisation.{verb}_{self.model._meta.model_name}"

    def _back(self, obj: Any) -> str:
        """Where a saved entity, or leaving its edit page, leads."""
        if "detail" in self.pages:
            return reverse(f"{self.name}_detail", args=[obj.pk])
        return reverse(f"{self.name}_list")

    def list_context(self, request: HttpRequest, objects: Any) -> dict[str, Any]:
        verbs = ("add", "change", "delete")
        return {
            "entity": self,
            "objects": objects,
            "urls": {page: f"{self.name}_{page}" for page in ROUTES},
            "may": {verb: roles.may(request.user, self.perm(verb)) for verb in verbs},
        }

    @method_decorator(require_GET)
    def list_page(self, request: HttpRequest) -> HttpResponse:
        objects = self.select[0](actor=request.user)
        context = self.list_context(request, objects)
        return render(request, f"organisation/{self.name}_list.html", context)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def create(self, request: HttpRequest) -> HttpResponse:
        roles.require(request.user, self.perm("add"))
        return self._form_page(request, None)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def update(self, request: HttpRequest, pk: int) -> HttpResponse:
        roles.require(request.user, self.perm("change"))
        return self._form_page(request, self.select[1](actor=request.user, pk=pk))

    def _form_page(self, request: HttpRequest, obj: Any) -> HttpResponse:
        """The create (no ``obj``) or edit page: on a valid POST the service saves (its
        ValidationError becomes form errors) and the browser goes on."""
        data = request.POST or None
        if obj is None:
            form = self.form(data, initial=self.initial(request))
            cancel_url, title = reverse(f"{self.name}_list"), self.titles[1]
        else:
            form = self.form(data, instance=obj)
            cancel_url, title = self._back(obj), self.titles[2]
        if request.method == "POST" and form.is_valid():
            values = form.cleaned_data
            saved = form_call(form, lambda: self._save(request.user, obj, values))
            if saved is not None:
                _saved(request, saved, created=obj is None)
                return redirect(self._back(saved))
        context = {"form": form, "title": title, "cancel_url": cancel_url}
        return render(request, "organisation/form.html", context)

    def _save(self, actor: Any, obj: Any, data: dict[str, Any]) -> Any:
        if obj is None:
            return services.entity_create(actor=actor, model=self.model, data=data)
        return services.entity_update(actor=actor, obj=obj, data=data)

    @method_decorator(require_http_methods(["GET", "POST"]))
    def delete(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = self.select[1](actor=request.user, pk=pk)
        roles.require(request.user, self.perm("delete"))
        if request.method == "POST":
            services.entity_delete(actor=request.user, obj=obj)
            messages.success(request, gettext("“%(name)s” was deleted.") % {"name": obj})
            return redirect(f"{self.name}_list")
        context = {
            "object": obj,
            "verbose_name": obj._meta.verbose_name,
            "cancel_url": self._back(obj),
            "consequences": self.consequences(obj),
        }
        return render(request, "organisation/confirm_delete.html", context)

    def urls(self) -> list[URLPattern]:
        """Its URL patterns: the shared pages, and its own in their stead or beside them."""
        shared: dict[str, Page] = {"list": self.list_page, "create": self.create}
        pages = {**shared, "update": self.update, "delete": self.delete, **self.pages}
        base = f"organisation/{self.name.replace('_', '-')}s/"
        return [
            path(base + route, pages[name], name=f"{self.name}_{name}")
            for name, route in ROUTES.items()
            if name in pages
        ]


# --- Departments ---------------------------------------------------------------------------


@require_GET
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(actor=request.user, pk=pk)
    return render(request, "organisation/department_detail.html", {"department": department})


def _department_consequences(department: Department) -> str:
    count = len(department.touchpoints.all())
    if not count:
        return ""
    return ngettext(
        "Its touchpoint will stay, with no owning department.",
        "Its %(count)d touchpoints will stay, with no owning department.",
        count,
    ) % {"count": count}


DEPARTMENTS = Entity(
    "department",
    DepartmentForm,
    (selectors.department_list, selectors.department_get),
    (_("Departments"), _("New department"), _("Edit department")),
    pages={"detail": department_detail},
    consequences=_department_consequences,
)


# --- Touchpoints ---------------------------------------------------------------------------


@require_GET
def touchpoint_list(request: HttpRequest) -> HttpResponse:
    filters = TouchpointFilterForm(request.GET or None)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        criteria = {k: v for k, v in filters.cleaned_data.items() if v}
    touchpoints = selectors.touchpoint_list(actor=request.user, **criteria)
    context = TOUCHPOINTS.list_context(request, touchpoints)
    context.update(touchpoints=touchpoints, filters=filters, filtered=bool(criteria))
    return render(request, "organisation/touchpoint_list.html", context)


@require_GET
def touchpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    touchpoint = selectors.touchpoint_get(actor=request.user, pk=pk)
    return render(request, "organisation/touchpoint_detail.html", {"touchpoint": touchpoint})


def _touchpoint_initial(request: HttpRequest) -> dict[str, str]:
    """A new touchpoint's stage or department, when the page linking to the form gives it."""
    return {name: request.GET[name] for name in ("stage", "department") if request.GET.get(name)}


def _touchpoint_consequences(touchpoint: Touchpoint) -> str:
    return gettext(
        "Data files and survey answers that name its key “%(key)s” will no longer match a touchpoint."
    ) % {"key": touchpoint.key}


TOUCHPOINTS = Entity(
    "touchpoint",
    TouchpointForm,
    (selectors.touchpoint_list, selectors.touchpoint_get),
    (_("Touchpoints"), _("New touchpoint"), _("Edit touchpoint")),
    pages={"list": touchpoint_list, "detail": touchpoint_detail},
    consequences=_touchpoint_consequences,
    initial=_touchpoint_initial,
)


# --- Journeys ------------------------------------------------------------------------------


@require_GET
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    journey = selectors.journey_get(actor=request.user, pk=pk)
    touchpoints = selectors.journey_touchpoints(journey)
    return render(
        request,
        "organisation/journey_detail.html",
        {"journey": journey, "journey_touchpoints": touchpoints},
    )


def _journey_form(request: HttpRequest, journey: Journey | None) -> HttpResponse:
    """The create (no ``journey``) or edit page of a journey and its stages."""
    form = JourneyForm(request.POST or None, instance=journey)
    formset = StageFormSet(request.POST or None, instance=journey, prefix="stages")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data, stages, user = form.cleaned_data, stage_specs(formset), request.user
        saved = form_call(
            form,
            lambda: (
                services.journey_create(actor=user, stages=stages, **data)
                if journey is None
                else services.journey_update(actor=user, journey=journey, data=data, stages=stages)
            ),
        )
        if saved is not None:
            _saved(request, saved, created=journey is None)
            return redirect("journey_detail", pk=saved.pk)
    if journey is None:
        title, cancel_url = _("New journey"), reverse("journey_list")
    else:
        title, cancel_url = _("Edit journey"), reverse("journey_detail", args=[journey.pk])
    return render(
        request,
        "organisation/journey_form.html",
        {"form": form, "formset": formset, "title": title, "cancel_url": cancel_url},
    )


@require_http_methods(["GET", "POST"])
def journey_create(request: HttpRequest) -> HttpResponse:
    roles.require(request.user, "organisation.add_journey")
    return _journey_form(request, None)


@require_http_methods(["GET", "POST"])
def journey_update(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, "organisation.change_journey")
    return _journey_form(request, selectors.journey_get(actor=request.user, pk=pk))


def _journey_consequences(journey: Journey) -> str:
    stages = journey.stages.all()
    if not stages:
        return ""
    touchpoints = sum(len(stage.touchpoints.all()) for stage in stages)
    consequences = ngettext(
        "Its stage will be deleted too.", "Its %(count)d stages will be deleted too.", len(stages)
    ) % {"count": len(stages)}
    if touchpoints:
        consequences += " " + ngettext(
            "Its touchpoint will stay, with no journey stage.",
            "Its %(count)d touchpoints will stay, with no journey stage.",
            touchpoints,
        ) % {"count": touchpoints}
    return consequences


JOURNEYS = Entity(
    "journey",
    JourneyForm,
    (selectors.journey_list, selectors.journey_get),
    (_("Journeys"), _("New journey"), _("Edit journey")),
    pages={"create": journey_create, "detail": journey_detail, "update": journey_update},
    consequences=_journey_consequences,
)


# --- Segments and brand promises -----------------------------------------------------------

SEGMENTS = Entity(
    "segment",
    SegmentForm,
    (selectors.segment_list, selectors.segment_get),
    (_("Segments"), _("New segment"), _("Edit segment")),
)
BRAND_PROMISES = Entity(
    "brand_promise",
    BrandPromiseForm,
    (selectors.brand_promise_list, selectors.brand_promise_get),
    (_("Brand promises"), _("New brand promise"), _("Edit brand promise")),
)

ENTITIES = (DEPARTMENTS, TOUCHPOINTS, JOURNEYS, SEGMENTS, BRAND_PROMISES)


# --- Users: invitations and roles -------------------------------------------------------------


#: Where the page keeps, for the next page only, the invitation link it just made.
INVITE_LINK = "cxpilot.invite_link"


@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    """Everyone's role and state, and the form that invites someone (the link is shown once
    and sent by e-mail)."""
    rows = users.user_list(actor=request.user)
    form = InviteForm(request.POST or None)
    link = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            invited = form_call(
                form,
                lambda: users.user_invite(
                    actor=request.user,
                    email=data["email"],
                    role=data["role"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    department=data["department"],
                ),
            )
            if invited is not None:
                link = request.build_absolute_uri(users.invitation_path(invited))
                send_mail(
                    gettext("You are invited to CX Pilot"),
                    gettext(
                        "Set your password and start here (the link works once, for three "
                        "days): %(link)s"
                    )
                    % {"link": link},
                    None,
                    [invited.email],
                    fail_silently=True,
                )
                messages.success(
                    request,
                    gettext("%(email)s is invited: the link below was sent to them by e-mail.")
                    % {"email": invited.email},
                )
                # shown once, after the redirect: a reload sends nothing again
                request.session[INVITE_LINK] = link
                return redirect("user_list")
        status = 422
    else:
        link = request.session.pop(INVITE_LINK, "")
    return render(
        request,
        "organisation/user_list.html",
        {"rows": rows, "form": form, "link": link, "nav_current": "user_list"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require(request.user, users.MANAGE)
    person = get_object_or_404(get_user_model(), pk=pk)
    row = next(r for r in users.user_list(actor=request.user) if r["user"].pk == person.pk)
    initial = {"role": row["role"], "department": row["department"], "is_active": person.is_active}
    form = UserRoleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = form_call(
            form,
            lambda: users.user_role_set(
                actor=request.user,
                user=person,
                role=data["role"],
                department=data["department"],
                is_active=data["is_active"],
            ),
        )
        if done is not None:
            messages.success(request, gettext("Saved."))
            return redirect("user_list")
    return render(
        request,
        "organisation/user_edit.html",
        {
            "person": person,
            "row": row,
            "form": form,
            "link": (
                request.build_absolute_uri(users.invitation_path(person))
                if row["state"] == "invited"
                else ""
            ),
            "nav_current": "user_list",
        },
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The invited person sets a password; then they are logged in (public page)."""
    invited = users.invitation_user(uidb64, token)
    if invited is None:
        return render(request, "organisation/invitation_invalid.html", status=404)
    form = SetPasswordForm(invited, request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = form_call(
            form,
            lambda: users.invitation_accept(
                user=invited, password=form.cleaned_data["new_password1"]
            ),
        )
        if done is not None:
            login(request, done, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, gettext("Welcome to CX Pilot."))
            return redirect("home")
    return render(
        request,
        "organisation/invitation_accept.html",
        {"form": form, "invited": invited},
        status=422 if request.method == "POST" else 200,
    )
