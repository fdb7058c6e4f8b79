/**
 * The somaagent chat page: plain modern JavaScript, no framework, no build step, no outside network.
 *
 * The API key comes from the URL fragment `#key=…` (stored in localStorage, then removed from the URL so it
 * leaves no trace in history or screenshots) or from the key dialog. All rendering uses textContent: no
 * server or model text is ever parsed as HTML.
 *
 * Stable hooks for tests (ids and data-testid):
 *   #key-dialog, #key-input, #key-save, #key-forget, [data-testid=key-error]   the API key dialog
 *   #change-key, [data-testid=identity]                                        the key in use (its id only)
 *   #conversations > li > [data-testid=conversation][data-id][aria-current]    the conversation list
 *   #new-conversation, #conversation-title
 *   #messages > [data-testid=message][data-role=user|assistant]                one message; assistant ones
 *       carry data-turn-id, data-message-id (once saved) and aria-busy while streaming
 *     [data-testid=user-text] / [data-testid=reply]                            its text
 *     [data-testid=tool-call][data-call-id][data-status=running|ok|error|…]    one tool call, holding
 *       [data-testid=tool-name], [data-testid=tool-status], [data-testid=tool-input],
 *       [data-testid=tool-output], [data-testid=tool-error], [data-testid=artifact-link][data-key],
 *       and after a click [data-testid=artifact-preview] and [data-testid=artifact-save]
 *     [data-testid=turn-error][data-code]                                      a turn that failed
 *   #turn-status [data-testid=turn-status]   the current step (aria-live)
 *   #error [data-testid=error]               page-level errors (role=alert), e.g. 429 with Retry-After
 *   #message-input, #send                    the composer
 *   body[data-state=idle|streaming]          whether a turn is streaming
 */
import { ApiError, createApi } from './api.js';
import { el, toolCallElement, updateToolCall } from './dom.js';

const KEY_STORAGE = 'somaagent.apiKey';
const CONVERSATION_STORAGE = 'somaagent.conversation';
const STEPS = {
  session: 'Loading the conversation…',
  memory: 'Recalling memory…',
  model: 'Thinking…',
  tools: 'Running tools…',
  persist: 'Saving…',
};

const $ = (id) => document.getElementById(id);

const storage = {
  get(name) {
    try {
      return localStorage.getItem(name);
    } catch {
      return null;
    }
  },
  set(name, value) {
    try {
      if (value === null) localStorage.removeItem(name);
      else localStorage.setItem(name, value);
    } catch {
      // Storage disabled: the key lives for this page only.
    }
  },
};

const state = { key: null, conversations: [], current: null, streaming: false };
const api = createApi(() => state.key);
/** How tool call elements fetch artifacts and report failures. */
const artifacts = { fetch: (key) => api.fetchArtifact(key), onError: (error) => handleError(error) };

/** Moves `#key=…` from the URL into storage and removes it from the address bar and history. */
function takeKeyFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const key = params.get('key');
  if (key === null) return;
  params.delete('key');
  const rest = params.toString();
  const { pathname, search } = window.location;
  window.history.replaceState(null, '', `${pathname}${search}${rest ? `#${rest}` : ''}`);
  if (key.trim() !== '') storage.set(KEY_STORAGE, key.trim());
}

function setKey(key) {
  state.key = key;
  storage.set(KEY_STORAGE, key);
  const id = key ? /^soma_([0-9a-f]{16})_/.exec(key)?.[1] : undefined;
  $('identity').textContent = key ? `key ${id ?? '(unrecognised format)'}` : 'no key';
}

function askForKey(message) {
  const error = $('key-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  $('key-input').value = '';
  if (!$('key-dialog').open) $('key-dialog').showModal();
  $('key-input').focus();
}

function showError(message) {
  const banner = $('error');
  banner.textContent = message ?? '';
  banner.hidden = !message;
}

/** Shows what went wrong; a refused key (401) re-opens the key dialog. */
function handleError(error) {
  if (error instanceof ApiError && error.status === 401) {
    setKey(null);
    askForKey('The API key was refused (wrong, revoked or expired). Paste a valid key.');
    return;
  }
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfterSeconds;
    showError(`Too many requests: try again ${wait === undefined ? 'later' : `in ${wait} s`}.`);
    return;
  }
  if (error instanceof ApiError) showError(`${error.message} (${error.code})`);
  else showError(`Could not reach the server: ${error.message}`);
}

function renderConversations() {
  const list = $('conversations');
  list.replaceChildren(
    ...state.conversations.map((c) => {
      const button = el('button', {
        type: 'button',
        'data-testid': 'conversation',
        'data-id': c.id,
        'aria-current': c.id === state.current ? 'true' : undefined,
        title: c.title || 'Untitled',
        text: c.title || 'Untitled',
      });
      button.addEventListener('click', () => selectConversation(c.id));
      return el('li', {}, button);
    }),
  );
  $('conversations-empty').hidden = state.conversations.length > 0;
}

async function loadConversations() {
  state.conversations = await api.listConversations();
  renderConversations();
}

async function selectConversation(id) {
  state.current = id;
  storage.set(CONVERSATION_STORAGE, id);
  renderConversations();
  const conversation = state.conversations.find((c) => c.id === id);
  $('conversation-title').textContent = conversation?.title || (id ? 'Untitled' : 'New conversation');
  $('messages').replaceChildren();
  showError(null);
  if (!id) return;
  try {
    for (const message of await api.listMessages(id)) $('messages').append(renderMessage(message));
    scrollToEnd();
  } catch (error) {
    handleError(error);
  }
}

function renderMessage(message) {
  const assistant = message.role === 'assistant';
  const li = el('li', {
    class: 'message',
    'data-testid': 'message',
    'data-role': assistant ? 'assistant' : 'user',
    'data-message-id': message.id,
  });
  li.append(el('div', { class: 'message-role', text: assistant ? 'Assistant' : 'You' }));
  for (const call of message.toolCalls ?? []) li.append(toolCallElement(call, artifacts));
  li.append(
    el('p', {
      class: 'message-text',
      'data-testid': assistant ? 'reply' : 'user-text',
      text: message.text ?? '',
    }),
  );
  return li;
}

function scrollToEnd() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

function setStreaming(on) {
  state.streaming = on;
  document.body.dataset.state = on ? 'streaming' : 'idle';
  $('send').disabled = on;
  $('new-conversation').disabled = on;
  if (!on) $('turn-status').textContent = '';
}

/** Streams one turn into `li` (the assistant message), event by event. Returns whether it finished. */
function turnHandler(li) {
  const reply = li.querySelector('[data-testid=reply]');
  const turn = { finished: false };
  const calls = new Map();
  const toolCall = (data) => {
    let node = calls.get(data.callId);
    if (!node) {
      node = toolCallElement(data, artifacts);
      calls.set(data.callId, node);
      li.insertBefore(node, reply);
    } else updateToolCall(node, data, artifacts);
  };
  turn.onEvent = (name, data) => {
    if (name === 'turn') li.dataset.turnId = data.turnId;
    else if (name === 'step') $('turn-status').textContent = STEPS[data.name] ?? `${data.name}…`;
    else if (name === 'token') reply.textContent += data.text ?? '';
    else if (name === 'tool_start') toolCall({ ...data, status: 'running' });
    else if (name === 'tool_result') toolCall(data);
    else if (name === 'reply') {
      reply.textContent = data.text ?? reply.textContent;
      if (data.messageId) li.dataset.messageId = data.messageId;
      turn.finished = true;
    } else if (name === 'error') {
      const text = data.message ?? 'The turn failed.';
      turnError(li, data.code ?? 'ERROR', data.hint ? `${text} ${data.hint}` : text);
      turn.finished = true;
    }
    scrollToEnd();
  };
  return turn;
}

function turnError(li, code, message) {
  li.append(
    el('p', { class: 'message-error', 'data-testid': 'turn-error', 'data-code': code, text: message }),
  );
}

async function send(text) {
  if (state.streaming || text.trim() === '') return;
  setStreaming(true);
  showError(null);
  try {
    if (!state.current) {
      const created = await api.createConversation(text.trim().slice(0, 60));
      state.conversations.unshift(created);
      await selectConversation(created.id);
    }
    $('message-input').value = '';
    $('messages').append(renderMessage({ role: 'user', text }));
    const li = renderMessage({ role: 'assistant', text: '' });
    li.setAttribute('aria-live', 'polite');
    li.setAttribute('aria-busy', 'true');
    $('messages').append(li);
    scrollToEnd();
    const turn = turnHandler(li);
    try {
      await api.sendMessage(state.current, text, turn.onEvent);
      if (!turn.finished)
        turnError(li, 'STREAM_CLOSED', 'The connection closed before the reply was complete.');
    } catch (error) {
      if (error instanceof ApiError) turnError(li, error.code, error.message);
      throw error;
    } finally {
      li.setAttribute('aria-busy', 'false');
    }
    loadConversations().catch(() => {});
  } catch (error) {
    handleError(error);
  } finally {
    setStreaming(false);
    $('message-input').focus();
  }
}

async function start() {
  if (!state.key) {
    askForKey();
    return;
  }
  try {
    await loadConversations();
    const remembered = storage.get(CONVERSATION_STORAGE);
    const known = state.conversations.some((c) => c.id === remembered);
    await selectConversation(known ? remembered : null);
  } catch (error) {
    handleError(error);
  }
}

function wire() {
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send($('message-input').value);
  });
  $('message-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('new-conversation').addEventListener('click', () => {
    selectConversation(null);
    $('message-input').focus();
  });
  $('change-key').addEventListener('click', () => askForKey());
  $('key-form').addEventListener('submit', (event) => {
    const key = $('key-input').value.trim();
    if (!key) {
      event.preventDefault();
      return;
    }
    setKey(key);
    start();
  });
  $('key-forget').addEventListener('click', () => {
    setKey(null);
    state.conversations = [];
    renderConversations();
    selectConversation(null);
    askForKey('The key was removed from this browser.');
  });
}

takeKeyFromFragment();
wire();
setKey(storage.get(KEY_STORAGE));
setStreaming(false);
start();
