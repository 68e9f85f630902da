"""Charts drawn once the page around them is on screen.

The first chart on a page costs the browser about 1.3 s of its main thread
here: plotly.js (3.5 MB) is evaluated, then each chart is laid out. A widget
is put on the page only when every view inside it has rendered, so a chart in
a widget's first state holds back every button beside it: the walkthrough's
Next button, a form's Save. A widget that shows charts therefore starts
without them and draws them when the browser has painted its controls: a
script, run as the widget's own output, presses a hidden button in the next
frame after the controls appear. In a front end that runs no script from an
output, the first edit or week change draws the charts instead. (A static
export of the widget's state has no kernel to draw them: it shows the
controls and the week without its charts.)
"""

from __future__ import annotations

import json
from collections.abc import Callable

import ipywidgets as widgets

__all__ = ["AFTER_PAINT_JS", "AfterPaint"]

AFTER_PAINT_JS = """
(() => {
  const ready = %s, pending = "button.ipt-after-paint:not([data-pressed])";
  const press = () => document.querySelectorAll(pending).forEach((button) => {
    button.dataset.pressed = "yes";
    button.click();
  });
  const started = performance.now();
  const wait = () => {
    const late = performance.now() - started > 10000;
    if (document.querySelector(pending) && (late || document.querySelector(ready))) {
      requestAnimationFrame(() => setTimeout(press, 0));
    } else if (!late) {
      requestAnimationFrame(wait);  // after 10 s with nothing to press (pressed already): stop
    }
  };
  wait();
})();
"""
"""Waits until ``ready`` (a CSS selector of the controls) matches, or 10 s, then presses every
hidden button not yet pressed, after the frame that shows the controls has been painted; gives up
after 10 s if there is none (another copy of the script pressed it)."""


class AfterPaint:
    """Calls ``draw`` once, after the browser has painted the element ``ready`` selects, or at
    the first ``now()`` (an edit, a week change) if that comes first."""

    def __init__(self, draw: Callable[[], None], *, ready: str) -> None:
        self.due = False
        """Whether the charts are drawn: after the paint, or after the first ``now()``."""
        self._draw = draw
        button = widgets.Button(description="draw the charts", layout=widgets.Layout(display="none"))
        button.add_class("ipt-after-paint")
        button.on_click(lambda _: self.now())
        script = widgets.Output()
        script.outputs = (
            {
                "output_type": "display_data",
                "data": {"application/javascript": AFTER_PAINT_JS % json.dumps(ready), "text/plain": ""},
                "metadata": {},
            },
        )
        self.trigger = widgets.HBox([button, script], layout=widgets.Layout(display="none"))
        """Put this in the widget tree: the hidden button and the script that presses it."""
        self.button = button

    def now(self) -> None:
        """Draw from here on; the first call draws."""
        if not self.due:
            self.due = True
            self._draw()
