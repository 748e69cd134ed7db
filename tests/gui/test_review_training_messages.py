"""A student's review, item 3: the training panel speaks in its own words — the Data tab's
field names, not command-line options — never says "Ready to train." above a refusal, and
offers "Shuffle pixels" only for images; the command line keeps its own wording."""

from __future__ import annotations

import pytest

from designer.gui.training_panel.messages import NOT_READY, READY, window_wording
from designer.training.config import DataConfig
from designer.training.data import DatasetError, describe_dataset

RUN_S = 120_000


@pytest.fixture
def panel(lenet_window):
    return lenet_window.training.panel


def _fit_for(panel, qtbot, data: DataConfig):
    session = panel.session
    session.activate()
    with qtbot.waitSignal(session.checks.fit_changed, timeout=RUN_S):
        session.update_config(None, data=data)
        session.document.refresh_now()


def test_an_image_folder_without_a_path_names_the_field_and_is_not_ready(panel, qtbot):
    _fit_for(panel, qtbot, DataConfig("imagefolder", {}))
    qtbot.waitUntil(lambda: "Path field" in panel.message.text(), timeout=RUN_S)
    for text in (panel.message.text(), panel.data.fit.text()):
        assert "--" not in text and "the Path field on the Data tab" in text
    assert panel.progress_text.text() == NOT_READY
    assert panel.data.permute.isEnabled()  # images: shuffling pixels applies
    _fit_for(panel, qtbot, DataConfig("digits", {"limit": 100}))
    qtbot.waitUntil(lambda: panel.progress_text.text() == READY, timeout=RUN_S)


def test_shuffle_pixels_is_off_with_a_reason_for_data_without_pixels(panel, qtbot):
    _fit_for(panel, qtbot, DataConfig("circle", {}))
    qtbot.waitUntil(lambda: not panel.data.permute.isEnabled(), timeout=RUN_S)
    assert "no pixels to shuffle" in panel.data.permute.toolTip()
    _fit_for(panel, qtbot, DataConfig("digits", {"limit": 100}))
    qtbot.waitUntil(panel.data.permute.isEnabled, timeout=RUN_S)


def test_the_command_line_keeps_its_option_names():
    with pytest.raises(DatasetError) as caught:
        describe_dataset(DataConfig("imagefolder", {}))
    assert "(--data-path)" in str(caught.value)
    assert "--" not in caught.value.for_window and "Path field" in caught.value.for_window


def test_window_wording_names_the_fields():
    text = ("mnist is not in data: put it there, or set the download option (--download) on a "
            "machine with internet access. Choose another folder with the root option (--data-root).")
    said = window_wording(text)
    assert "--" not in said
    assert "the Download box on the Data tab" in said and "the Root field on the Data tab" in said
