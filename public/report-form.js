// Inline validation for the urgent report form (/report). The form works without this file:
// the server validates every field and answers with the same messages. With it, mistakes are
// shown before the POST, at each field, and focus moves to the first one.
(function () {
  "use strict";
  var form = document.querySelector("form[data-report-form]");
  if (!form) return;

  var emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  var phonePattern = /^\+?[0-9 ()./-]+$/;
  var needsContact = "Give an email address or a phone number so that we can answer you.";

  function value(name) {
    var el = form.elements.namedItem(name);
    return el && "value" in el ? String(el.value).trim() : "";
  }

  function check() {
    var errors = {};
    var subject = value("subject");
    var message = value("message");
    var email = value("email");
    var phone = value("phone");
    if (!subject) errors.subject = "Say in a few words what is wrong.";
    else if (subject.length < 3) errors.subject = "Use at least 3 characters.";
    else if (subject.length > 200) errors.subject = "Keep the subject under 200 characters.";
    if (!message) errors.message = "Describe the problem: what you see, since when, what is affected.";
    else if (message.length < 10) errors.message = "Please describe the problem in at least 10 characters.";
    if (email && !emailPattern.test(email)) errors.email = "Enter an email address like name@example.com.";
    if (phone && (!phonePattern.test(phone) || phone.replace(/\D/g, "").length < 5)) {
      errors.phone = "Use digits, spaces and + ( ) - only, e.g. +31 20 123 4567.";
    }
    if (!email && !phone) {
      errors.email = needsContact;
      errors.phone = needsContact;
    }
    return errors;
  }

  function show(name, text) {
    var slot = form.querySelector("[data-slot=error-" + name + "]");
    var input = form.elements.namedItem(name);
    if (slot) {
      slot.textContent = text || "";
      slot.hidden = !text;
    }
    if (input && input.setAttribute) {
      if (text) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  var fields = ["subject", "message", "email", "phone"];
  var touched = false;

  form.addEventListener("submit", function (event) {
    var errors = check();
    touched = true;
    fields.forEach(function (name) {
      show(name, errors[name]);
    });
    var first = fields.filter(function (name) {
      return errors[name];
    })[0];
    if (first) {
      event.preventDefault();
      var el = form.elements.namedItem(first);
      if (el && el.focus) el.focus();
    }
  });

  // After a first attempt, messages update as people type. Not on blur: a message appearing
  // or vanishing on blur moves the form under the pointer just as people click.
  fields.forEach(function (name) {
    var el = form.elements.namedItem(name);
    if (!el || !el.addEventListener) return;
    el.addEventListener("input", function () {
      if (!touched) return;
      var errors = check();
      if (name === "email" || name === "phone") {
        show("email", errors.email);
        show("phone", errors.phone);
      } else {
        show(name, errors[name]);
      }
    });
  });
})();
