/*
 * kitaplan maps: draws GeoJSON with Leaflet into every `.kp-map` element
 * (markup: templates/core/includes/map.html).
 *
 * data-geojson-url        GeoJSON FeatureCollection to draw (required)
 * data-highlight          official_code of the feature to emphasise
 * data-value-property     numeric property for a choropleth (5 quantile
 *                         classes, colour-blind safe palette, HTML legend)
 * data-value-label        caption of the legend
 * data-tile-url           optional tile layer; without it no tiles are
 *                         loaded at all (the app works offline)
 * data-tile-attribution   attribution HTML for that tile layer
 * data-legend-id          id of the element that receives the legend
 * data-label-*, data-msg-*  translated UI strings (see map.html)
 *
 * Feature properties used: name, url (link in the popup), official_code.
 * The map is an enhancement: the same information is always on the page
 * as a table or list, so the features need not be keyboard reachable.
 */
(function () {
  "use strict";

  /* ColorBrewer YlGnBu, 5 classes: sequential and colour-blind safe. */
  var PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  var MAX_CLASSES = PALETTE.length;

  function cssVar(name, fallback) {
    var value = window.getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  function toNumber(value) {
    if (value === null || value === undefined || value === "") {
      return NaN;
    }
    return typeof value === "number" ? value : Number(value);
  }

  function safeUrl(url) {
    if (typeof url !== "string" || !url) {
      return null;
    }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function showMessage(el, text) {
    var message = el.querySelector(":scope > .kp-map__message");
    if (!text) {
      if (message) {
        message.remove();
      }
      return;
    }
    if (!message) {
      message = element("p", "kp-map__message");
      el.appendChild(message);
    }
    message.textContent = text;
  }

  /*
   * Quantile classification into at most 5 classes. Returns null without
   * numeric values, else {classOf(value) -> index|-1, classes: [{colour,
   * min, max, count}], noData: count}. A class's bounds are the smallest and
   * largest value in it, so the legend's ranges never overlap.
   */
  function classify(values) {
    var numbers = values.filter(function (v) { return isFinite(v); })
      .sort(function (a, b) { return a - b; });
    if (!numbers.length) {
      return null;
    }
    var thresholds = [];
    for (var i = 1; i < MAX_CLASSES; i++) {
      var t = numbers[Math.min(numbers.length - 1, Math.ceil((i * numbers.length) / MAX_CLASSES) - 1)];
      if (t < numbers[numbers.length - 1] && thresholds.indexOf(t) === -1) {
        thresholds.push(t);
      }
    }
    var count = thresholds.length + 1;
    var step = count > 1 ? (PALETTE.length - 1) / (count - 1) : 0;
    var classes = [];
    for (var c = 0; c < count; c++) {
      classes.push({
        colour: PALETTE[count > 1 ? Math.round(c * step) : PALETTE.length - 1],
        min: Infinity,
        max: -Infinity,
        count: 0
      });
    }
    function classOf(value) {
      if (!isFinite(value)) {
        return -1;
      }
      var index = 0;
      while (index < thresholds.length && value > thresholds[index]) {
        index++;
      }
      return index;
    }
    var noData = 0;
    values.forEach(function (value) {
      var index = classOf(value);
      if (index < 0) {
        noData++;
        return;
      }
      var cls = classes[index];
      cls.min = Math.min(cls.min, value);
      cls.max = Math.max(cls.max, value);
      cls.count++;
    });
    return { classOf: classOf, classes: classes, noData: noData };
  }

  function renderLegend(el, classification, format) {
    var holder = el.dataset.legendId && document.getElementById(el.dataset.legendId);
    if (!holder) {
      return;
    }
    holder.textContent = "";
    var table = element("table", "kern-table kern-table--small");
    var caption = element("caption", "kern-title kern-title--small",
      (el.dataset.labelLegend || "Legend") + ": " + (el.dataset.valueLabel || el.dataset.valueProperty));
    table.appendChild(caption);
    var head = element("thead");
    var headRow = element("tr", "kern-table__row");
    [
      [el.dataset.labelClass || "Class", ""],
      [el.dataset.labelRange || "Value range", ""],
      [el.dataset.labelCount || "Number", " kern-table__header--numeric"]
    ].forEach(function (column) {
      var th = element("th", "kern-table__header" + column[1], column[0]);
      th.scope = "col";
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    table.appendChild(head);
    var body = element("tbody", "kern-table__body");

    function addRow(swatchColour, label, range, count) {
      var row = element("tr", "kern-table__row");
      var first = element("td", "kern-table__cell");
      var swatch = element("span", "kp-map__swatch" + (swatchColour ? "" : " kp-map__swatch--nodata"));
      swatch.setAttribute("aria-hidden", "true");
      if (swatchColour) {
        swatch.style.backgroundColor = swatchColour;
      }
      first.appendChild(swatch);
      first.appendChild(document.createTextNode(label));
      row.appendChild(first);
      row.appendChild(element("td", "kern-table__cell", range));
      row.appendChild(element("td", "kern-table__cell kern-table__cell--numeric", format(count)));
      body.appendChild(row);
    }

    classification.classes.forEach(function (cls, index) {
      var range = cls.min === cls.max ? format(cls.min) : format(cls.min) + " – " + format(cls.max);
      addRow(cls.colour, String(index + 1), range, cls.count);
    });
    if (classification.noData) {
      addRow(null, "–", el.dataset.labelNoData || "No value", classification.noData);
    }
    table.appendChild(body);
    holder.appendChild(table);
    holder.hidden = false;
  }

  function popupContent(el, feature, value, format) {
    var props = feature.properties || {};
    var box = element("div");
    var title = element("p");
    var name = props.name !== undefined && props.name !== null ? String(props.name) : "";
    var url = safeUrl(props.url);
    if (url) {
      var link = element("a", "kern-link", name || el.dataset.labelDetails || "Details");
      link.href = url;
      title.appendChild(link);
    } else {
      title.appendChild(element("strong", null, name));
    }
    box.appendChild(title);
    if (el.dataset.valueProperty) {
      var label = el.dataset.valueLabel || el.dataset.valueProperty;
      box.appendChild(element("p", null,
        label + ": " + (isFinite(value) ? format(value) : (el.dataset.labelNoData || "No value"))));
    }
    if (el.dataset.highlight && props.official_code === el.dataset.highlight) {
      box.appendChild(element("p", null, el.dataset.labelHighlight || "Highlighted"));
    }
    return box;
  }

  function draw(el, map, data) {
    var features = data && Array.isArray(data.features) ? data.features : [];
    var valueProperty = el.dataset.valueProperty;
    var highlight = el.dataset.highlight || null;
    var lang = document.documentElement.lang || undefined;
    var numberFormat = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
    var format = function (n) { return numberFormat.format(n); };

    var outline = cssVar("--kern-color-layout-text-default", "#131525");
    var accent = cssVar("--kern-color-action-default", "#2044aa");
    var surface = cssVar("--kern-color-layout-background-default", "#ffffff");

    var valueOf = function (feature) {
      return valueProperty ? toNumber((feature.properties || {})[valueProperty]) : NaN;
    };
    var classification = valueProperty ? classify(features.map(valueOf)) : null;
    var isHighlighted = function (feature) {
      return highlight !== null && feature.properties && String(feature.properties.official_code) === highlight;
    };
    var fillFor = function (feature) {
      if (!classification) {
        return accent;
      }
      var index = classification.classOf(valueOf(feature));
      return index < 0 ? surface : classification.classes[index].colour;
    };

    var tooltip = L.tooltip({ direction: "top", offset: [0, -8] });
    var highlighted = [];
    var isPoint = function (feature) {
      var type = feature.geometry && feature.geometry.type;
      return type === "Point" || type === "MultiPoint";
    };
    /* Many points (a whole city's Kitas) get smaller markers so that they stay apart. */
    var crowded = data.features && data.features.length > 300;
    /* L.geoJSON applies `style` to circle markers too, so it handles both. */
    var styleFor = function (feature) {
      var strong = isHighlighted(feature);
      if (isPoint(feature)) {
        var fill = fillFor(feature);
        return {
          radius: strong ? 10 : crowded ? 3.5 : 7,
          /* white halo; dark ring when highlighted or without a value */
          color: strong || fill === surface ? outline : surface,
          weight: strong ? 4 : crowded ? 1 : 2,
          opacity: 1,
          fillColor: fill,
          fillOpacity: 1
        };
      }
      return {
        color: outline,
        weight: strong ? 5 : 1.5,
        opacity: 1,
        fillColor: fillFor(feature),
        fillOpacity: classification ? 0.9 : (strong ? 0.35 : 0.12),
        dashArray: classification && classification.classOf(valueOf(feature)) < 0 ? "4 4" : null
      };
    };
    var layer = L.geoJSON(features, {
      style: styleFor,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, styleFor(feature));
      },
      onEachFeature: function (feature, featureLayer) {
        var name = feature.properties && feature.properties.name;
        if (name !== undefined && name !== null && name !== "") {
          /*
           * A hover tooltip of our own instead of bindTooltip(): Leaflet adds
           * focus listeners for bound tooltips, which makes every SVG path a
           * tab stop in Chromium (hundreds of unnamed stops on a city map).
           * Keyboard and screen reader users get the same content from the
           * table or list next to the map.
           */
          featureLayer.on("mouseover mousemove", function (event) {
            tooltip.setContent(element("span", null, name)).setLatLng(event.latlng);
            if (!map.hasLayer(tooltip)) {
              map.openTooltip(tooltip);
            }
          });
          featureLayer.on("mouseout", function () {
            map.closeTooltip(tooltip);
          });
        }
        if (el.kpPick) {
          /* In location-picking mode a click on an area sets the location (no popup). */
          featureLayer.on("click", function (event) { el.kpPick(event.latlng); });
        } else {
          featureLayer.bindPopup(function () {
            return popupContent(el, feature, valueOf(feature), format);
          });
        }
        if (isHighlighted(feature)) {
          highlighted.push(featureLayer);
        }
      }
    }).addTo(map);

    highlighted.forEach(function (featureLayer) {
      if (featureLayer.bringToFront) {
        featureLayer.bringToFront();
      }
    });

    if (classification) {
      renderLegend(el, classification, format);
    }

    if (layer.getLayers().length) {
      showMessage(el, null);
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 16 });
    } else {
      map.setView([51.16, 10.45], 5);
      showMessage(el, el.dataset.msgEmpty || "Nothing to show.");
    }
  }

  function setup(el) {
    el.dataset.kpMapReady = "true";
    if (typeof window.L === "undefined" || !el.dataset.geojsonUrl) {
      showMessage(el, el.dataset.msgError || "The map could not be loaded.");
      return;
    }
    var noscript = el.querySelector("noscript");
    if (noscript) {
      noscript.remove();
    }
    showMessage(el, el.dataset.msgLoading || "Loading …");

    var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var map = L.map(el, {
      fadeAnimation: !reducedMotion,
      zoomAnimation: !reducedMotion,
      markerZoomAnimation: !reducedMotion,
      zoomControl: false,
      attributionControl: false,
      /* Leaflet's SVG overhangs the map by 10 % (clipped); axe then reports
         the text around the map as "overlapped" in its colour-contrast check. */
      renderer: L.svg({ padding: 0 }),
      scrollWheelZoom: false, /* no scroll trap; zoom with buttons or +/- */
      zoomSnap: 0.25,
      keyboard: true
    });
    L.control.zoom({
      zoomInTitle: el.dataset.labelZoomIn || "Zoom in",
      zoomOutTitle: el.dataset.labelZoomOut || "Zoom out"
    }).addTo(map);

    if (el.dataset.tileUrl) {
      L.control.attribution({ prefix: false }).addTo(map);
      L.tileLayer(el.dataset.tileUrl, {
        attribution: el.dataset.tileAttribution || "",
        maxZoom: 19
      }).addTo(map);
    }

    /* Leaflet's popup close button has an English aria-label. */
    map.on("popupopen", function (event) {
      var close = event.popup.getElement() && event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close && el.dataset.labelClose) {
        close.setAttribute("aria-label", el.dataset.labelClose);
        close.setAttribute("title", el.dataset.labelClose);
      }
    });

    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); }).observe(el);
    }

    /* Location picking: a click fills the given latitude/longitude inputs. */
    if (el.dataset.pickLat && el.dataset.pickLon) {
      var marker = null;
      el.kpPick = function (latlng) {
        var lat = document.getElementById(el.dataset.pickLat);
        var lon = document.getElementById(el.dataset.pickLon);
        if (!lat || !lon) {
          return;
        }
        lat.value = latlng.lat.toFixed(6);
        lon.value = latlng.lng.toFixed(6);
        if (marker) {
          marker.setLatLng(latlng);
        } else {
          marker = L.circleMarker(latlng, { radius: 7, weight: 3, interactive: false }).addTo(map);
        }
        var status = document.getElementById(el.id + "-picked");
        if (status) {
          status.textContent = (el.dataset.msgPicked || "Location chosen:") + " " + lat.value + " / " + lon.value;
        }
      };
      map.on("click", function (event) { el.kpPick(event.latlng); });
    }

    fetch(el.dataset.geojsonUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        draw(el, map, data);
      })
      .catch(function (error) {
        map.setView([51.16, 10.45], 5);
        showMessage(el, el.dataset.msgError || "The map could not be loaded.");
        if (window.console) {
          window.console.error("kitaplan map:", error);
        }
      });
  }

  function init(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var maps = Array.prototype.slice.call(scope.querySelectorAll(".kp-map:not([data-kp-map-ready])"));
    if (scope.matches && scope.matches(".kp-map:not([data-kp-map-ready])")) {
      maps.push(scope);
    }
    maps.forEach(setup);
  }

  window.kitaplanMaps = { init: init, classify: classify };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  /* Maps in content swapped in by htmx. */
  document.addEventListener("htmx:load", function (event) { init(event.detail && event.detail.elt); });
})();
