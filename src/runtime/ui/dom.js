/**
 * DOM building blocks of the chat page: elements from attributes (text always through textContent, never
 * parsed as HTML) and tool call rendering. `artifacts` is `{ fetch(key) → Promise<Blob>, onError(error) }`.
 */

/** An element with attributes (`text` sets textContent, `data-*`/`aria-*` and others set attributes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'class') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children.filter(Boolean));
  return node;
}

function formatSize(bytes) {
  if (typeof bytes !== 'number') return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const asText = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/** Fetches an artifact with the key, then previews it (images, text) and offers it for download. */
async function openArtifact(link, artifact, artifacts) {
  const box = link.parentElement;
  box.querySelectorAll('[data-testid=artifact-preview], [data-testid=artifact-save]').forEach((n) => {
    n.remove();
  });
  try {
    const blob = await artifacts.fetch(artifact.key);
    const href = URL.createObjectURL(blob);
    const type = blob.type || artifact.contentType || '';
    const name = artifact.key.split('/').pop() || 'artifact';
    if (type.startsWith('image/')) {
      box.append(el('img', { src: href, alt: `Artifact ${name}`, 'data-testid': 'artifact-preview' }));
    } else if (type.startsWith('text/') || type.includes('json')) {
      const text = await blob.slice(0, 65536).text();
      box.append(el('pre', { 'data-testid': 'artifact-preview', text }));
    }
    box.append(' ', el('a', { href, download: name, 'data-testid': 'artifact-save', text: 'Save' }));
  } catch (error) {
    artifacts.onError(error);
  }
}

export function toolCallElement(call, artifacts) {
  const node = el('section', { class: 'tool-call', 'data-testid': 'tool-call', 'data-call-id': call.callId });
  const details = el(
    'details',
    {},
    el(
      'summary',
      {},
      el('span', { class: 'tool-name', 'data-testid': 'tool-name', text: call.name }),
      el('span', { class: 'tool-status', 'data-testid': 'tool-status' }),
    ),
  );
  node.append(details);
  updateToolCall(node, call, artifacts);
  return node;
}

/**
 * Fills a tool call's status, input, output, error and artifact (keeps what an update leaves out). Input and
 * output fold away under the call's name; an error and an artifact link stay in view.
 */
export function updateToolCall(node, call, artifacts) {
  const status = call.status ?? node.dataset.status ?? 'running';
  node.dataset.status = status;
  node.querySelector('[data-testid=tool-status]').textContent = status;
  const details = node.querySelector('details');
  const section = (testid, label, text) => {
    node.querySelector(`[data-testid=${testid}]`)?.previousElementSibling?.remove();
    node.querySelector(`[data-testid=${testid}]`)?.remove();
    details.append(
      el('p', { class: 'tool-section', text: label }),
      el('pre', { 'data-testid': testid, text }),
    );
  };
  if (call.input !== undefined) section('tool-input', 'Input', asText(call.input));
  if (call.output !== undefined && call.output !== null)
    section('tool-output', 'Output', asText(call.output));
  if (call.error && !node.querySelector('[data-testid=tool-error]')) {
    const text = `${call.error.code}: ${call.error.message}`;
    node.append(el('p', { class: 'message-error', 'data-testid': 'tool-error', text }));
  }
  if (call.artifact?.key && !node.querySelector('[data-testid=artifact-link]')) {
    const { key, size, contentType } = call.artifact;
    const link = el('a', {
      href: `v1/artifacts?key=${encodeURIComponent(key)}`,
      'data-testid': 'artifact-link',
      'data-key': key,
      text: key.split('/').pop() || key,
    });
    link.addEventListener('click', (event) => {
      event.preventDefault();
      openArtifact(link, call.artifact, artifacts);
    });
    const about = [formatSize(size), contentType].filter(Boolean).join(', ');
    node.append(el('div', { class: 'artifact' }, 'Artifact: ', link, about ? ` (${about})` : ''));
  }
}
