"""Old import paths kept for one version after issue 13's moves still give the real objects."""

from __future__ import annotations

import pytest


def test_update_module_re_exports_register_update() -> None:
    import parakou_geo.register.update as new
    import parakou_geo.update as old

    assert old.update_register is new.update_register
    assert old.update_register_files is new.update_register_files
    assert old.UpdateReport is new.UpdateReport
    assert set(old.__all__) == set(new.__all__)
    assert "one version" in (old.__doc__ or "")


def test_gpkg_forwards_to_the_storage_modules_at_each_access(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from parakou_geo import _gpkg
    from parakou_geo.register import _storage, _transaction

    assert _gpkg.transaction is _transaction.transaction
    assert _gpkg.read_features is _storage.read_features
    assert _gpkg.HISTORY_COLUMNS == _transaction.HISTORY_COLUMNS

    def replacement(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("not called")

    monkeypatch.setattr(_storage, "connect", replacement)
    assert _gpkg.connect is replacement  # looked up in the new module, not copied
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _gpkg.nothing_here  # noqa: B018
