// The Source form: picking another transport or family reloads the page with them in
// the query, so the form shows the typed settings they declare. On a new source the
// site, slug and name typed so far go along (the admin fills its form from the query).
"use strict";
{
  const carried = ["transport", "family"];
  const addPage = window.location.pathname.endsWith("/add/");
  if (addPage) {
    carried.push("site", "slug", "name");
  }
  function reload() {
    const query = new URLSearchParams(window.location.search);
    for (const name of carried) {
      const field = document.getElementById(`id_${name}`);
      if (field && field.value) {
        query.set(name, field.value);
      } else {
        query.delete(name);
      }
    }
    window.location.search = query.toString();
  }
  // The admin loads form scripts in the page's head, before the form exists.
  document.addEventListener("DOMContentLoaded", () => {
    for (const name of ["transport", "family"]) {
      document.getElementById(`id_${name}`)?.addEventListener("change", reload);
    }
  });
}
