// The widget's settings, from the attributes of the <script> tag that loads it:
//
//   <script src="https://consult.example/static/widget.js"
//           data-server-url="https://rasa.example"   (required: the Rasa server)
//           data-start-payload="/greet"              (optional: sent, not shown, to start a new chat)
//           data-title="Chat about the plan"         (optional: the chat's heading)
//           data-button-text="Chat about the plan"   (optional: the button that opens the chat)
//           defer></script>

export const DEFAULTS = {
  title: "Chat about the Police and Crime Plan",
  buttonText: "Chat about the plan",
};

// The options, or null (with a console message for the page's developer) if unusable.
export function readOptions(dataset, baseUrl) {
  let serverUrl;
  try {
    serverUrl = new URL(dataset.serverUrl, baseUrl);
  } catch {
    serverUrl = null;
  }
  if (!dataset.serverUrl || !serverUrl || !/^https?:$/.test(serverUrl.protocol)) {
    console.error('Chat widget: add data-server-url="https://your-rasa-server" to its <script> tag.');
    return null;
  }
  return {
    serverUrl: serverUrl.href,
    startPayload: dataset.startPayload || "",
    title: dataset.title || DEFAULTS.title,
    buttonText: dataset.buttonText || DEFAULTS.buttonText,
  };
}
