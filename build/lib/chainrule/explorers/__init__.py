"""Explorers: figures with sliders, live in Jupyter (ipywidgets) and, for the HTML book,
as a static page element that needs no kernel and no network (``static.slider_html``)."""
