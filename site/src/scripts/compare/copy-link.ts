/** Wires every `[data-copy-link]` button to copy the page's address, with visible feedback. */
export function enableCopyLinks(): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('[data-copy-link]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      const label = button.textContent;
      try {
        await navigator.clipboard.writeText(window.location.href);
        button.textContent = 'Link copied';
      } catch {
        // Clipboard access can be refused (insecure context, permissions): select the address instead.
        window.prompt('Copy this link:', window.location.href);
      }
      window.setTimeout(() => (button.textContent = label), 2000);
    });
  }
}
