"""The project's website: a demo consultation page with the chat widget, and the widget's files.

The widget's JavaScript is written in web/src/ and bundled into static/widget.js by
`make widget`; this package only serves it.
"""
