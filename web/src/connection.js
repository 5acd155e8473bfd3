// The socket.io connection to the Rasa server (bot/channels/socketio.py on the server side).
//
// Each time the socket connects (and again after every reconnection) the widget asks to
// continue its session ("session_request"); the server answers with the session id to use
// ("session_confirm"): ours, or a new one if it did not accept ours. Messages are sent only
// once the session is confirmed: socket.io would otherwise send buffered messages before the
// session request, and their replies would go to a session this socket has not joined yet.

import { io } from "socket.io-client";

export function connect(serverUrl, sessionId, handlers) {
  const server = new URL(serverUrl);
  // socket.io reads a path in its URL as a namespace, so a server behind a path prefix
  // (https://example.org/rasa) is reached through the `path` option instead.
  const socket = io(server.origin, { path: `${server.pathname.replace(/\/+$/, "")}/socket.io/` });
  let session = sessionId;
  let confirmed = false;
  const waiting = [];

  const emit = (text) => socket.emit("user_uttered", { message: text, session_id: session });

  socket.on("connect", () => socket.emit("session_request", { session_id: session }));
  socket.on("session_confirm", (id) => {
    if (typeof id !== "string") return;
    session = id;
    confirmed = true;
    handlers.onStatus("connected");
    handlers.onSession(id);
    while (waiting.length > 0) emit(waiting.shift());
  });
  socket.on("bot_uttered", (data) => handlers.onMessage(data));
  socket.on("disconnect", (reason) => {
    confirmed = false;
    if (reason === "io client disconnect") return; // we closed it
    // socket.io reconnects by itself, except after the server closed the connection.
    if (reason === "io server disconnect") socket.connect();
    handlers.onStatus("disconnected");
  });
  socket.on("connect_error", () => handlers.onStatus("unreachable"));

  return {
    send(text) {
      if (confirmed) emit(text);
      else waiting.push(text);
    },
    close() {
      socket.disconnect();
    },
  };
}
