/* Atelier — the phone's save, in the browser: a submission key per form sent, the
 * earlier success banner cleared at once, and "Non enregistré" when no answer comes
 * (the request failed: Dash's callback_resolved hook; or nothing came in time).
 * The ids are those of fresque/app/pages/atelier/ids.py. No data becomes HTML here. */
(function () {
  "use strict";

  var SAVE_TIMEOUT_MS = 20000;  /* saving.SAVE_TIMEOUT_MS */
  var ACK = "atl-p-ack";        /* ids.P_ACK: an output of the card form's save only */
  var UNSAVED = "atl-p-unsaved";
  var SAVE = "atl-p-save";
  var KEEP_MINE = "atl-p-keep-mine";

  var sending = null;   /* the key of the save on its way */
  var answered = null;  /* the key of the last save answered */
  var timer = null;

  /* A submission key: 32 hex digits (crypto.getRandomValues works on plain http too,
   * where a workshop on a local network is served; randomUUID does not). */
  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function setProps(id, props) {
    var set = window.dash_clientside && window.dash_clientside.set_props;
    if (set && document.getElementById(id)) { set(id, props); }
  }

  /* No answer: say so, keep the form, let the participant try again. */
  function unsaved() {
    if (timer) { window.clearTimeout(timer); timer = null; }
    setProps(UNSAVED, {hidden: false});
    setProps(SAVE, {disabled: false});
    setProps(KEEP_MINE, {disabled: false});
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    atelier: {
      /* "Enregistrer", "Réessayer" or "Enregistrer ma version" pressed: the save to send
       * (the same key as long as the server has not answered it), the earlier banner
       * and the "Non enregistré" notice cleared, the buttons held until an answer. */
      submit: function (_save, _retry, _mine, last, ack) {
        var key = last && last.key && last.key !== ack ? last.key : newKey();
        sending = key;
        if (timer) { window.clearTimeout(timer); }
        timer = window.setTimeout(function () {
          if (sending === key && answered !== key) { unsaved(); }
        }, SAVE_TIMEOUT_MS);
        return [{key: key, at: Date.now()}, "", true, true, true];
      },

      /* The "may already be there" box shows what was found for the name in the box,
       * and nothing once the name changed (a save empties it) or a card is edited. */
      similar: function (found, name, editing) {
        if (!found || editing || found.name !== name) { return []; }
        return found.children || [];
      },

      /* Dash's callback_resolved hook, after every callback: for the card form's save,
       * an answer stops the wait; a failed request (no answer, or an error instead of
       * one) is not saved. */
      resolved: function (callback, result) {
        var output = (callback && callback.output) || "";
        if (output.indexOf(ACK + ".data") === -1) { return; }
        if (result && result.error) {
          unsaved();
        } else {  /* the reply set the page; the buttons come back whatever it said */
          answered = sending;
          if (timer) { window.clearTimeout(timer); timer = null; }
          setProps(SAVE, {disabled: false});
          setProps(KEEP_MINE, {disabled: false});
        }
      },
    },
  });
})();
