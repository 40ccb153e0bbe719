// How many features a folium map in this frame has drawn: SVG paths in the page, layers
// on a canvas renderer once its pending redraw has run, and marker-cluster icons.
// Used by the browser test and the browser benchmark to tell when a map is on screen.
() => {
    if (typeof L === "undefined") {
        return 0;
    }
    let drawn = document.querySelectorAll(".marker-cluster").length;
    const maps = new Set(Object.values(window).filter((value) => value instanceof L.Map));
    for (const map of maps) {
        map.eachLayer((layer) => {
            if (layer instanceof L.Canvas) {
                drawn += layer._redrawRequest ? 0 : Object.keys(layer._layers).length;
            } else if (layer instanceof L.Path && layer._path && layer._path.isConnected) {
                drawn += 1;
            }
        });
    }
    return drawn;
}
