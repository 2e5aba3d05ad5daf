"""The Paste Deploy filter: ``use = egg:pywsgicors#cors`` in an .ini file."""

from __future__ import annotations

from pathlib import Path

import pytest
from paste.deploy import loadapp
from webtest import TestApp

from wsgicors import ConfigError
from wsgicors.paste import filter_factory, parse_ini_options

INI = """
[app:main]
use = call:tests.core.support:make_hello
filter-with = cors

[filter:cors]
use = egg:pywsgicors#cors
allow_origins = https://app.example.com
    https://*.example.com
allow_methods = GET, PUT
allow_credentials = true
max_age = 600
expose_headers = X-Request-Id
"""


def test_ini_file_configures_the_middleware(tmp_path: Path) -> None:
    ini = tmp_path / "app.ini"
    ini.write_text(INI)
    app = TestApp(loadapp(f"config:{ini}"))
    r = app.get("/", headers={"Origin": "https://eu.example.com"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://eu.example.com"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    r = app.options("/", headers={"Origin": "https://app.example.com",
                                  "Access-Control-Request-Method": "PUT"})
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Access-Control-Allow-Methods"] == "GET, PUT"


def test_strings_are_parsed() -> None:
    options = parse_ini_options({
        "allow_origins": "*", "allow_headers": "x-a x-b,x-c", "allow_private_network": "off",
        "allow_origin_regex": r"https://a\.example https://b\.example",
        "allow_origin_func": "os.path:isabs",
    })
    assert options["allow_origins"] == "*"
    assert options["allow_headers"] == ["x-a", "x-b", "x-c"]
    assert options["allow_private_network"] is False
    assert len(options["allow_origin_regex"]) == 2
    assert callable(options["allow_origin_func"])


def test_bad_strings_are_reported_together() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_ini_options({"allow_credentials": "maybe", "max_age": "ten", "alow_origins": "x",
                           "allow_origin_func": "no.such.module:f"})
    assert sorted(p.option for p in caught.value.problems) == [
        "allow_credentials", "allow_origin_func", "alow_origins", "max_age"]


def test_factory_validates_at_load_time() -> None:
    with pytest.raises(ConfigError, match="every site"):
        filter_factory({}, allow_origins="*", allow_credentials="true")
