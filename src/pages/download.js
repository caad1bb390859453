// Hands text to the browser as a file download: a Blob URL on a temporary
// link, nothing sent anywhere. File names are made of the page's own words
// and a row's name reduced to [a-z0-9-].
export function downloadText(filename, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started from the URL by now; keep it a moment for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "Spring sale – 2025!" as "spring-sale-2025", for a file name. */
export function slug(text) {
  const cleaned = String(text)
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return cleaned || 'export';
}
