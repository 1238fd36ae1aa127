"""The directory import: departments, extensions, holders and managers from a CSV or
XLSX, line-numbered errors that write nothing, dated moves that charge the calls since
then to the new department (rollups included), and a second run that changes nothing."""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from billing.models import Call, ClosedMonth, MonthlyRollup
from billing.services import calls_record
from capture.models import RawRecord
from capture.services import IncomingRecord, raw_records_store
from org.directory import DirectoryError, directory_diff, directory_read
from org.models import Department, Extension
from smdr.parsers import ParsedCall
from tests.factories import DepartmentFactory, ExtensionFactory, SiteFactory, SourceFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "site,extension,holder,email,department_code,department_name,parent_code,manager,valid_from"
)


@pytest.fixture
def site():
    return SiteFactory(slug="hq")


def write(tmp_path, text, name="directory.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *arguments) -> str:
    out = io.StringIO()
    call_command("import_directory", str(path), *arguments, stdout=out)
    return out.getvalue()


def test_a_dry_run_shows_the_changes_and_writes_nothing(tmp_path, site):
    path = write(
        tmp_path,
        f"""{HEADER}
hq,2201,Ana Pérez,ana@example.org,ADM,Administration,,yes,
hq,2202,Luis Gómez,,PAY,Payroll,ADM,,
""",
    )
    output = run(path)

    assert "2 extensions read and checked" in output
    assert "departments: 2 new" in output
    assert "extensions: 2 new" in output
    assert "managers: 1 added, new accounts: 1" in output
    assert "+ department PAY Payroll in ADM" in output
    assert "+ manager ana@example.org of ADM" in output
    assert "Nothing written" in output
    assert not Department.objects.exists() and not Extension.objects.exists()


def test_apply_builds_the_tree_and_a_second_run_changes_nothing(tmp_path, site):
    discovered = ExtensionFactory(site=site, number="2203", department=None, discovered=True)
    path = write(
        tmp_path,
        f"""{HEADER}
hq,2201,Ana Pérez,Ana@Example.org,ADM,Administration,,yes,
hq,2202,Luis Gómez,luis@example.org,PAY,Payroll,ADM,no,
hq,2203,Reception,,PAY,,,,
""",
    )
    output = run(path, "--apply")

    assert "Applied" in output
    admin, payroll = Department.objects.get(code="ADM"), Department.objects.get(code="PAY")
    assert payroll.parent == admin and admin.parent is None
    ana = Extension.objects.get(number="2201")
    assert (ana.department, ana.holder, ana.email) == (admin, "Ana Pérez", "ana@example.org")
    discovered.refresh_from_db()
    assert discovered.department == payroll and not discovered.discovered
    manager = get_user_model().objects.get(email="ana@example.org")
    assert list(manager.managed_departments.all()) == [admin]
    assert not manager.has_usable_password()  # directory sign-in or a password reset
    assert not get_user_model().objects.filter(email="luis@example.org").exists()

    again = run(path, "--apply")
    assert "Nothing to change." in again
    assert "3 unchanged" in again
    assert get_user_model().objects.count() == 1


def test_an_existing_account_is_made_manager_whatever_the_case_of_its_address(tmp_path, site):
    user = get_user_model().objects.create_user("ana", "Ana@Example.org", "x" * 20)
    path = write(tmp_path, f"{HEADER}\nhq,2201,Ana,ana@example.org,ADM,Administration,,sí,\n")
    run(path, "--apply")
    assert list(user.managed_departments.values_list("code", flat=True)) == ["ADM"]
    assert get_user_model().objects.count() == 1


def test_every_bad_line_is_named_and_nothing_is_written(tmp_path, site):
    DepartmentFactory(code="OLD", name="Old")
    path = write(
        tmp_path,
        f"""{HEADER}
nowhere,2201,Ana,,ADM,Administration,,,
hq,2202,Luis,not-an-address,ADM,Administration,,,
hq,2203,Eva,,ADM,Administration,,maybe,
hq,2204,Bob,,ADM,Administration,,yes,
hq,2205,Sol,,ADM,Administration,,,2999-01-01
hq,2206,Leo,,ADM,Administration,,,01/12/2026
hq,2207,Ema,,NEW,,,,
hq,2208,Ian,,ADM,Administration,,,
hq,2208,Ian,,ADM,Administration,,,
hq,2209,Zoe,,SUB,Sub,MISSING,,
hq,2210,Max,,ADM,Admin office,,,
hq,22 11,Kim,,ADM,Administration,,,
hq,,Noe,,,,,,
""",
    )
    with pytest.raises(CommandError) as raised:
        run(path, "--apply")
    message = str(raised.value)
    for expected in (
        "line 2: no site 'nowhere'; sites: hq",
        "line 3: email 'not-an-address' is not an e-mail address",
        "line 4: manager 'maybe' is not yes or no",
        "line 5: a manager needs an email",
        "line 6: valid_from 2999-01-01 is in the future",
        "line 7: valid_from '01/12/2026' is not a date like 2026-12-01",
        "line 10: extension 2208 of hq repeats line 9",
        "line 12: department_name 'Admin office' of department ADM differs from line 9",
        "line 13: extension '22 11' has spaces",
        "line 14: extension is empty",
        "line 14: department_code is empty",
    ):
        assert expected in message
    assert not Extension.objects.exists()
    assert list(Department.objects.values_list("code", flat=True)) == ["OLD"]


def test_what_only_the_database_can_refuse(tmp_path, site):
    """A new department without a name, a parent nobody defines, a loop in the tree."""
    top = DepartmentFactory(code="TOP", name="Top")
    DepartmentFactory(code="MID", name="Mid", parent=top)
    path = write(
        tmp_path,
        f"""{HEADER}
hq,2201,Ema,,NEW,,,,
hq,2202,Zoe,,SUB,Sub,MISSING,,
hq,2203,Ian,,TOP,Top,MID,,
""",
    )
    with pytest.raises(DirectoryError) as raised:
        directory_diff(directory_read(path))
    message = str(raised.value)
    assert "line 2: department NEW is new: give its department_name" in message
    assert "line 3: parent_code MISSING is no department, here or in the file" in message
    assert "line 4: department TOP would be inside itself" in message


def test_the_header_is_checked_first(tmp_path, site):
    with pytest.raises(DirectoryError) as raised:
        directory_read(write(tmp_path, "site,extension,dept,holder\nhq,1,x,y\n"))
    assert str(raised.value) == (
        "line 1: missing column(s) department_code; unknown column(s) dept; the header must "
        "name site, extension, department_code and may add holder, email, department_name, "
        "parent_code, manager, valid_from"
    )
    with pytest.raises(DirectoryError, match="the file is empty"):
        directory_read(write(tmp_path, ""))
    with pytest.raises(DirectoryError, match="no extensions in the file"):
        directory_read(write(tmp_path, f"{HEADER}\n,,,,,,,,\n"))


def test_a_spreadsheet_from_excel_in_spanish(tmp_path, site):
    """Semicolons and Windows-1252 (Excel's CSV), or an XLSX with number and date cells."""
    csv_path = write(
        tmp_path,
        "site;extension;holder;department_code;department_name\n"
        "hq;2201;Ana Peña;ADM;Administración\n",
        encoding="cp1252",
    )
    (row,) = directory_read(csv_path)
    assert (row.holder, row.department_name) == ("Ana Peña", "Administración")

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["site", "extension", "department_code", "department_name", "valid_from"])
    excel_date = dt.datetime(2026, 11, 1)  # noqa: DTZ001 (cells have no time zone)
    sheet.append(["hq", 2201, "ADM", "Administration", excel_date])
    sheet.append(["hq", 2202.0, "ADM", "Administration", None])
    xlsx = tmp_path / "directory.xlsx"
    workbook.save(xlsx)
    first, second = directory_read(xlsx)
    assert (first.extension, first.valid_from) == ("2201", dt.date(2026, 11, 1))
    assert (second.extension, second.valid_from) == ("2202", None)


# --- dated moves ---------------------------------------------------------------------


def make_calls(site, extension_number, starts):
    source = SourceFactory(site=site)
    raw_records_store(
        source=source,
        records=[
            IncomingRecord(seq=n, received_at=start, line=f"call {n}")
            for n, start in enumerate(starts, start=1)
        ],
    )
    entries = [
        (
            raw.id,
            ParsedCall(
                start=raw.received_at,
                duration_seconds=60,
                ring_seconds=0,
                direction="outgoing",
                extension=extension_number,
                number="4234567",
                answered=True,
            ),
        )
        for raw in RawRecord.objects.filter(source=source).order_by("seq")
    ]
    calls_record(site=site, source_id=source.id, entries=entries)


def at(day, hour=12):
    return dt.datetime(2026, 11, day, hour, tzinfo=dt.UTC)


def department_calls(code) -> int:
    return Call.objects.filter(department__code=code).count()


def rollup_calls(code) -> int:
    department = Department.objects.get(code=code)
    return sum(
        MonthlyRollup.objects.filter(department_id=department.id).values_list("calls", flat=True)
    )


def test_a_dated_move_charges_the_calls_since_then_to_the_new_department(tmp_path, site):
    old, new = DepartmentFactory(code="OLD"), DepartmentFactory(code="NEW")
    extension = ExtensionFactory(site=site, number="2201", department=old, holder="Ana")
    make_calls(
        site, "2201", [at(3), at(9), at(10, 2), at(20)]
    )  # 10 Nov 02:00 UTC: the 9th in Córdoba

    path = write(tmp_path, f"{HEADER}\nhq,2201,Ana,,NEW,New,,,2026-11-10\n")
    output = run(path)
    assert "> extension 2201 (hq): OLD -> NEW from 2026-11-10" in output
    output = run(path, "--apply")

    assert "1 call charged to its new department" in output
    assert (department_calls("OLD"), department_calls("NEW")) == (3, 1)
    assert (rollup_calls("OLD"), rollup_calls("NEW")) == (3, 1)  # the rollups followed
    extension.refresh_from_db()
    assert extension.department == new
    moved = extension.history.filter(department=new).earliest("history_date")
    assert moved.history_date.astimezone(site.zone) == dt.datetime(2026, 11, 10, tzinfo=site.zone)

    # A call imported late is charged by the history: before the move, the old department.
    make_calls(site, "2201", [at(5), at(15)])
    assert (department_calls("OLD"), department_calls("NEW")) == (4, 2)


def test_a_move_leaves_the_calls_of_closed_months_where_they_were_reported(tmp_path, site):
    DepartmentFactory(code="OLD"), DepartmentFactory(code="NEW")
    ExtensionFactory(site=site, number="2201", department=Department.objects.get(code="OLD"))
    make_calls(site, "2201", [dt.datetime(2026, 10, 20, 12, tzinfo=dt.UTC), at(20)])
    ClosedMonth.objects.create(month=dt.date(2026, 10, 1))

    run(write(tmp_path, f"{HEADER}\nhq,2201,,,NEW,,,,2026-10-01\n"), "--apply")

    assert (department_calls("OLD"), department_calls("NEW")) == (1, 1)


def test_a_move_dated_before_a_later_move_is_refused(tmp_path, site):
    first, second = DepartmentFactory(code="FIRST"), DepartmentFactory(code="SECOND")
    DepartmentFactory(code="THIRD")
    extension = ExtensionFactory(site=site, number="2201", department=first)
    extension.department = second
    extension.save()  # moved today

    with pytest.raises(CommandError) as raised:
        run(write(tmp_path, f"{HEADER}\nhq,2201,,,THIRD,,,,2026-11-01\n"), "--apply")
    assert "line 2: extension 2201 changed department on" in str(raised.value)
    assert "after valid_from 2026-11-01: moves are dated in order" in str(raised.value)
    extension.refresh_from_db()
    assert extension.department == second


def test_a_holder_changed_since_the_move_date_does_not_hide_the_move(tmp_path, site):
    """The history has a later entry (the holder changed) in the old department: the
    move rewrites its department, so late calls after it are charged to the new one."""
    old = DepartmentFactory(code="OLD")
    DepartmentFactory(code="NEW")
    extension = ExtensionFactory(site=site, number="2201", department=old, holder="Ana")
    extension.holder = "Ana María"
    extension.save()

    run(write(tmp_path, f"{HEADER}\nhq,2201,,,NEW,,,,2026-11-10\n"), "--apply")
    make_calls(site, "2201", [at(5), dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)])

    assert (department_calls("OLD"), department_calls("NEW")) == (1, 1)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.csv")


# --- the admin ------------------------------------------------------------------------


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))
    return client


def upload(client, text, **data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("directory.csv", text.encode(), content_type="text/csv")
    return client.post("/admin/org/department/import/", {"directory": file, **data}, follow=True)


def test_the_admin_checks_then_applies_a_directory(staff, site):
    changelist = staff.get("/admin/org/department/").content.decode()
    assert 'href="/admin/org/department/import/"' in changelist
    text = f"{HEADER}\nhq,2201,Ana,ana@example.org,ADM,Administration,,yes,\n"

    checked = upload(staff, text).content.decode()
    assert "1 extension: departments: 1 new" in checked
    assert "+ extension 2201 (hq) in ADM, Ana" in checked
    assert not Extension.objects.exists()

    applied = upload(staff, text, apply="on")
    assert applied.redirect_chain[-1][0] == "/admin/org/department/"
    assert "Directory applied" in applied.content.decode()
    assert Extension.objects.get().department.code == "ADM"
    assert "Nothing to change." in upload(staff, text, apply="on").content.decode()


def test_the_admin_shows_every_bad_line_and_writes_nothing(staff, site):
    page = upload(staff, f"{HEADER}\nnowhere,2201,,,ADM,Adm,,,\nhq,2202,,,X,,,,\n", apply="on")
    content = page.content.decode()
    assert "The directory was not imported" in content
    assert "line 2: no site &#x27;nowhere&#x27;" in content
    assert "line 3: department X is new" not in content  # the first pass stops at line errors
    assert not Extension.objects.exists() and not Department.objects.exists()


def test_a_manager_cannot_open_the_import(client, site, django_user_model):
    user = django_user_model.objects.create_user("m", "m@example.org", "x" * 20, is_staff=True)
    client.force_login(user)
    assert client.get("/admin/org/department/import/").status_code == 302


def test_apply_links_each_extension_to_the_account_with_its_e_mail(tmp_path, site):
    """Accounts are found by the extension's e-mail whatever its case; a manager's new
    account is linked too; an account already chosen is kept, and an e-mail two
    accounts share links neither."""
    users = get_user_model().objects
    luis = users.create(username="luis", email="LUIS@example.org")
    twin_a = users.create(username="twin-a", email="twin@example.org")
    users.create(username="twin-b", email="Twin@example.org")
    chosen = ExtensionFactory(site=site, number="2204", department=None, user=twin_a)
    path = write(
        tmp_path,
        f"""{HEADER}
hq,2201,Ana Pérez,ana@example.org,ADM,Administration,,yes,
hq,2202,Luis Gómez,luis@example.org,ADM,,,,
hq,2203,Twin,twin@example.org,ADM,,,,
hq,2204,Luis Gómez,luis@example.org,ADM,,,,
""",
    )
    run(path, "--apply")

    linked = dict(Extension.objects.values_list("number", "user__username"))
    assert linked == {"2201": "ana@example.org", "2202": "luis", "2203": None, "2204": "twin-a"}
    chosen.refresh_from_db()
    assert chosen.user == twin_a
    assert list(luis.extensions.values_list("number", flat=True)) == ["2202"]


def test_an_account_made_later_is_linked_by_the_next_run(tmp_path, site):
    """The directory unchanged, an account with a holder's e-mail is a change: the dry
    run says so and the apply links it."""
    path = write(tmp_path, f"{HEADER}\nhq,2201,Ana Pérez,ana@example.org,ADM,Administration,,,\n")
    run(path, "--apply")
    assert Extension.objects.get(number="2201").user is None
    ana = get_user_model().objects.create(username="ana", email="Ana@Example.org")

    dry = run(path)
    assert "+ 1 extension linked to its holder's account (same e-mail)" in dry
    assert Extension.objects.get(number="2201").user is None
    run(path, "--apply")
    assert Extension.objects.get(number="2201").user == ana
    assert "Nothing to change." in run(path, "--apply")


def test_addresses_too_long_for_the_database_or_a_user_name_are_refused(tmp_path, site):
    long_local = "a" * 150
    path = write(
        tmp_path,
        f"""{HEADER}
hq,2201,Ana,{"b" * 64}@{"c" * 63}.{"d" * 63}.{"e" * 63}.org,ADM,Administration,,,
hq,2202,Luis,{long_local}@example.org,ADM,Administration,,yes,
""",
    )
    with pytest.raises(DirectoryError) as raised:
        directory_read(path)
    message = str(raised.value)
    assert "line 2: email is longer than 254 characters" in message
    assert "line 3: a manager's email is longer than 150 characters" in message


def test_an_account_named_by_the_address_is_reused_not_made_twice(tmp_path, site):
    """An account whose user name is the address (as this import names the accounts it
    makes) but whose e-mail was cleared since."""
    existing = get_user_model().objects.create_user("ana@example.org", "", "x" * 20)
    run(
        write(tmp_path, f"{HEADER}\nhq,2201,Ana,ana@example.org,ADM,Administration,,yes,\n"),
        "--apply",
    )
    assert get_user_model().objects.count() == 1
    assert list(existing.managed_departments.values_list("code", flat=True)) == ["ADM"]
